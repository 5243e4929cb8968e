#!/usr/bin/env python3
"""Benchmark: knowledge-base search over 50 000 articles, servq against a plain baseline.

    bench/kb_search.py [--articles 50000] [--servq target/release/servq] [--pg URL]

1. Generates `--articles` articles (deterministic) from the sentences, titles and tags of the
   search-quality set in tests/kb (Chinese in both scripts and English), plus the 44 articles of
   the set themselves, as one JSON-lines file under bench/out/.
2. For SQLite (and PostgreSQL when `--pg` or SERVQ_BENCH_PG is given, e.g. the server of
   scripts/pg-start.sh): a fresh store, `servq kb import` timed (articles/s), then `servq serve`
   and `GET /api/v1/kb/search` for the 64 labelled queries and 200 generated ones, one at a time,
   each timed (p50, p95, max). Target: p95 under 100 ms.
3. The peer, run in the same script: a character-bigram TF-IDF index in Python (numpy-free,
   dictionaries) over the same articles — build time, p50/p95 per query — and, over the 44-article
   set alone, its precision@1 on the labelled queries beside servq's (servq's from the API on a
   store holding only the set).
"""
import argparse
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from dashboard_latency import free_port  # noqa: E402

SET = ROOT / "tests" / "kb"
PASSWORD = "bench password 1"


def load_set():
    articles = [json.loads(l) for l in (SET / "articles.jsonl").read_text().splitlines() if l.strip()]
    queries = [json.loads(l) for l in (SET / "queries.jsonl").read_text().splitlines() if l.strip()]
    return articles, queries


def generate(articles, count, seed=7):
    rng = random.Random(seed)
    sentences = []
    for a in articles:
        sentences += [s.strip() for s in re.split(r"(?<=[。！？.!?])", a["body"]) if len(s.strip()) > 4]
    titles = [a["title"] for a in articles]
    tags = sorted({t for a in articles for t in a["tags"]})
    out = list(articles)
    for n in range(count):
        base = rng.choice(articles)
        body = " ".join(rng.choice(sentences) for _ in range(rng.randint(3, 8)))
        title = f"{rng.choice(titles)}（{rng.choice(tags)} {n}）"
        out.append({"id": f"gen-{n:06d}", "title": title, "body": body, "level": base["level"],
                    "tags": rng.sample(tags, 2), "language": base["language"],
                    "category": base.get("category", ""), "audience": "internal"})
    return out


def run(args, env, input=None):
    return subprocess.run(args, env=env, input=input, capture_output=True, text=True, check=True).stdout


def store_env(url):
    env = dict(os.environ)
    env["SERVQ_DATABASE_URL"] = url
    env["SERVQ_TZ"] = "Asia/Shanghai"
    env.pop("SERVQ_LOG", None)
    return env


def serve_and_search(servq, env, queries):
    run([servq, "user", "add", "bench", "--role", "supervisor"], env, input=PASSWORD + "\n")
    token = run([servq, "token", "create", "--user", "bench", "--name", "bench", "--read-only"], env).strip()
    port = free_port()
    server = subprocess.Popen([servq, "serve", "--addr", f"127.0.0.1:{port}"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        timings, answers = [], []
        for q in queries:
            request = urllib.request.Request(
                f"{base}/api/v1/kb/search?limit=10&q={urllib.parse.quote(q)}",
                headers={"Authorization": f"Bearer {token}"})
            start = time.perf_counter()
            with urllib.request.urlopen(request) as response:
                body = json.loads(response.read())
            timings.append((time.perf_counter() - start) * 1000)
            answers.append([r["id"] for r in body["results"]])
        return timings, answers
    finally:
        server.terminate()
        server.wait()


def percentiles(ms):
    ms = sorted(ms)
    return {"p50": round(statistics.median(ms), 1), "p95": round(ms[int(0.95 * (len(ms) - 1))], 1),
            "max": round(ms[-1], 1)}


class Bigrams:
    """The peer: character bigrams of the lower-cased text (CJK and Latin alike), TF-IDF with
    cosine-free dot products, title counted twice."""

    def __init__(self, articles):
        self.postings = defaultdict(list)
        self.n = len(articles)
        for index, a in enumerate(articles):
            counts = Counter(self.grams(a["title"] + " " + a["title"] + " " + a["body"]))
            for gram, tf in counts.items():
                self.postings[gram].append((index, tf))
        self.ids = [a["id"] for a in articles]

    @staticmethod
    def grams(text):
        text = re.sub(r"\s+", " ", text.lower())
        return [text[i:i + 2] for i in range(len(text) - 1) if " " not in text[i:i + 2]]

    def search(self, query, limit=10):
        scores = defaultdict(float)
        for gram in set(self.grams(query)):
            postings = self.postings.get(gram, [])
            if not postings:
                continue
            idf = math.log(self.n / len(postings))
            for index, tf in postings:
                scores[index] += (1 + math.log(tf)) * idf
        best = sorted(scores.items(), key=lambda kv: (-kv[1], self.ids[kv[0]]))[:limit]
        return [self.ids[i] for i, _ in best]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--servq", default=str(ROOT / "target" / "release" / "servq"))
    parser.add_argument("--pg", default=os.environ.get("SERVQ_BENCH_PG", ""))
    args = parser.parse_args()
    servq = args.servq if Path(args.servq).exists() else str(ROOT / "target" / "debug" / "servq")
    articles, labelled = load_set()
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    corpus = generate(articles, args.articles)
    big = out / f"kb_{len(corpus)}.jsonl"
    big.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in corpus))
    rng = random.Random(11)
    words = sorted({w for a in articles for w in a["tags"]})
    generated_queries = [" ".join(rng.sample(words, rng.randint(1, 2))) for _ in range(200)]
    queries = [q["q"] for q in labelled] + generated_queries
    print(f"servq: {servq}; {len(corpus)} articles; {len(queries)} queries")

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        stores = [("sqlite", f"sqlite://{tmp}/kb.db")]
        if args.pg:
            database = f"kbbench{os.getpid()}"
            subprocess.run(["psql", args.pg, "-qc", f"CREATE DATABASE {database}"], check=True)
            stores.append(("postgres", args.pg.rsplit("/", 1)[0] + "/" + database))
        for name, url in stores:
            env = store_env(url)
            start = time.perf_counter()
            run([servq, "kb", "import", str(big)], env)
            seconds = time.perf_counter() - start
            timings, _ = serve_and_search(servq, env, queries)
            results[name] = {"import_s": round(seconds, 1), "articles_per_s": round(len(corpus) / seconds),
                             **percentiles(timings)}
            print(name, json.dumps(results[name]))
        # quality on the labelled set alone: servq (API) against the bigram peer
        env = store_env(f"sqlite://{tmp}/set.db")
        run([servq, "kb", "import", str(SET / "articles.jsonl")], env)
        _, answers = serve_and_search(servq, env, [q["q"] for q in labelled])
        servq_p1 = sum(a[:1] == [q["expected"]] for a, q in zip(answers, labelled)) / len(labelled)

    start = time.perf_counter()
    peer = Bigrams(corpus)
    build = time.perf_counter() - start
    peer_ms = []
    for q in queries:
        t0 = time.perf_counter()
        peer.search(q)
        peer_ms.append((time.perf_counter() - t0) * 1000)
    small = Bigrams(articles)
    peer_p1 = sum(small.search(q["q"])[:1] == [q["expected"]] for q in labelled) / len(labelled)
    print("bigram TF-IDF peer", json.dumps({"build_s": round(build, 1), **percentiles(peer_ms)}))
    print(json.dumps({"precision_at_1": {"servq": round(servq_p1, 3), "bigram_tfidf": round(peer_p1, 3)}}))
    ratio = results["sqlite"]["p95"] / max(percentiles(peer_ms)["p95"], 0.001)
    print(f"p95 servq (SQLite, over HTTP) / peer (in process): {ratio:.2f}; target p95 < 100 ms: "
          + ("met" if all(r["p95"] < 100 for r in results.values()) else "NOT met"))


if __name__ == "__main__":
    main()
