#!/usr/bin/env python3
"""Benchmark: `servq qa scan` against a pyahocorasick pipeline on the same transcripts.

    bench/qa_scan_vs_pyahocorasick.py [--mb 1024] [--phrases 5000]

1. Generates JSONL transcripts (agent and customer turns in simplified and traditional Chinese,
   with full-width letters and mixed case) of about --mb megabytes, and a rule set of --phrases
   forbidden phrases (the rulebook's own plus generated ones), some of which the agents say.
2. servq (release build, one thread): `servq qa scan --rules … --transcripts … --only-hits`.
3. Peer, in this script: json.loads per line, the same folding (traditional→simplified with
   OpenCC's table via opencc-python-reimplemented, full-width→half-width, lower case) with
   str.translate, and pyahocorasick's leftmost-longest matching over the agents' turns.
4. Both must report the same number of hits per contact before any figure is printed; then MB/s
   per core of each and the ratio (target ≥ 5×).
"""
import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVQ = ROOT / "target" / "release" / "servq"

RULEBOOK = ["你自己看吧", "这肯定不是我们的原因", "这么简单的问题你也不明白", "我不知道", "我不会",
            "这种事不关我的事", "没看我正忙着吗", "这是广场的规定"]
# characters whose traditional form both converters map the same way
PAIRS = "这這 么麼 简簡 单單 问問 题題 们們 还還 账賬 单單 户戶 后後 说說 让讓 请請 务務 银銀 行行 卡卡 费費 用用 时時 间間 办辦 理理 电電 话話 号號 码碼 额額 度度 调調 整整 补補 发發 开開 过過 处處 来來 对對 没沒 关關 题題 应應 该該"
PAIRS = [p for p in PAIRS.split() if len(p) == 2]
FILLER = "的一是在不了有和人我他这个们中来上大为国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实日军者意无力它与长把机十民第公此已工使情明性知全三正外间度"


def generated_phrases(n, rng):
    chars = "".join(p[0] for p in PAIRS) + FILLER
    phrases = set(RULEBOOK)
    while len(phrases) < n:
        phrases.add("".join(rng.choice(chars) for _ in range(rng.randint(4, 7))))
    return sorted(phrases)


def traditional(text, rng):
    table = {s: t for s, t in PAIRS}
    return "".join(table.get(c, c) if rng.random() < 0.5 else c for c in text)


def generate(path, mb, phrases, rng):
    sentences = ["您好，这里是客服中心，请问有什么可以帮到您的？", "我的信用卡账单金额不对，请帮我查一下。",
                 "好的，请您稍等，我马上为您查询。", "您的额度调整申请已经办理完成，费用是零元。",
                 "还有其他问题吗？感谢您的来电，再见！", "我想开通手机银行，需要带什么证件？",
                 "Your ＶＩＰ card number ends with 1234, thank you for calling.", "补卡的时间大约是七个工作日。"]
    target = mb * 1_000_000
    written, contact = 0, 0
    with open(path, "w", encoding="utf-8") as out:
        while written < target:
            contact += 1
            turns, t = [], 0.0
            for k in range(rng.randint(8, 24)):
                speaker = "agent" if k % 2 == 0 else "customer"
                text = rng.choice(sentences)
                if speaker == "agent" and rng.random() < 0.05:
                    text = text[:6] + rng.choice(phrases) + text[6:]
                text = traditional(text, rng) if rng.random() < 0.5 else text
                length = 2.0 + len(text) * 0.2
                turns.append({"speaker": speaker, "start": round(t, 2), "end": round(t + length, 2), "text": text})
                t += length + 0.5
            line = json.dumps({"contact_id": f"T{contact:08d}", "turns": turns}, ensure_ascii=False) + "\n"
            out.write(line)
            written += len(line.encode())
    return contact


def peer_fold_table():
    from opencc import OpenCC
    t2s = OpenCC("t2s")
    table = {}
    for code in range(0x3400, 0xA000):
        c = chr(code)
        s = t2s.convert(c)
        if len(s) == 1 and s != c:
            table[code] = s
    for code in range(0xFF01, 0xFF5F):
        table[code] = chr(code - 0xFEE0).lower()
    table[0x3000] = " "
    return table


def peer(path, phrases, table):
    import ahocorasick
    automaton = ahocorasick.Automaton()
    for index, phrase in enumerate(phrases):
        automaton.add_word(phrase.translate(table).lower(), index)
    automaton.make_automaton()
    counts = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            transcript = json.loads(line)
            hits = 0
            for turn in transcript["turns"]:
                if turn["speaker"] != "agent":
                    continue
                folded = turn["text"].translate(table).lower()
                hits += sum(1 for _ in automaton.iter_long(folded))
            if hits:
                counts[transcript["contact_id"]] = hits
    return counts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=1024)
    parser.add_argument("--phrases", type=int, default=5000)
    parser.add_argument("--workdir", default=str(ROOT / "bench" / "out"))
    args = parser.parse_args()
    if not SERVQ.exists():
        sys.exit("build first: cargo build --release -p servq-cli")
    try:
        import ahocorasick  # noqa: F401
        import opencc  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-r", str(ROOT / "bench" / "requirements.txt")], check=True)
    rng = random.Random(20261124)
    work = Path(args.workdir) / "qa"
    work.mkdir(parents=True, exist_ok=True)
    phrases = generated_phrases(args.phrases, rng)
    rules = work / f"rules-{args.phrases}.toml"
    rules.write_text("[[forbidden]]\nname = \"forbidden\"\nspeaker = \"agent\"\nphrases = [\n"
                     + "".join(f"  {json.dumps(p, ensure_ascii=False)},\n" for p in phrases) + "]\n", encoding="utf-8")
    transcripts = work / f"transcripts-{args.mb}mb.jsonl"
    if not transcripts.exists():
        print(f"generating ~{args.mb} MB of transcripts …", flush=True)
        generate(transcripts, args.mb, phrases, rng)
    size_mb = transcripts.stat().st_size / 1e6
    n_contacts = sum(1 for _ in open(transcripts, "rb"))
    print(f"input: {n_contacts:,} transcripts, {size_mb:,.0f} MB; {len(phrases):,} phrases", flush=True)

    started = time.perf_counter()
    result = subprocess.run([SERVQ, "qa", "scan", "--rules", rules, "--transcripts", transcripts, "--only-hits"],
                            capture_output=True, text=True, env={**os.environ, "RAYON_NUM_THREADS": "1"})
    servq_s = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(result.stderr)
    ours = {}
    for line in result.stdout.splitlines():
        contact = json.loads(line)
        ours[contact["contact_id"]] = sum(1 for h in contact["hits"] if h["kind"] == "forbidden_phrase")
    print(f"servq qa scan: {servq_s:.2f} s", flush=True)

    table = peer_fold_table()
    started = time.perf_counter()
    theirs = peer(transcripts, phrases, table)
    peer_s = time.perf_counter() - started
    print(f"pyahocorasick pipeline: {peer_s:.2f} s", flush=True)

    assert ours == theirs, f"hit counts differ: {len(ours)} vs {len(theirs)} contacts with hits"
    print(f"results agree: {sum(ours.values()):,} hits in {len(ours):,} transcripts")
    print(f"servq {size_mb / servq_s:,.1f} MB/s per core, pyahocorasick pipeline {size_mb / peer_s:,.1f} MB/s per core: "
          f"{peer_s / servq_s:.1f}x (target >= 5x)")


if __name__ == "__main__":
    main()
