#!/usr/bin/env python3
"""Independent reference for `servq evaluation`: grades the rows of `servq kpi --format json`
with an evaluation model file, following only the written rules of docs/evaluation.md:

  measure score = clamp(100 * (v - zero_at) / (full_at - zero_at), 0, 100); a measure without a
  value is left out; dimension = sum(weight * score) / sum(weight) over measures with values;
  composite = the same over dimensions with scores; grade = the grade with the highest min <= it.

A measure means nothing, and so has no value, where docs/kpi.md says so: the measures of the
offered contacts (waits, answer and abandon rates, service level) per agent or team, and
agent-state measures per channel, category or direction.

Usage: evaluation_reference.py --kpi KPI.json --model MODEL.json [--by agent] [--filtered-by team]
Prints {"rows": [...]} in servq's JSON shape.
"""
import argparse
import json

OFFERED_CONTACT_MEASURES = {
    "offered", "abandoned", "short_abandoned", "answered_within_sl", "answer_rate",
    "service_level", "abandon_rate", "asa_seconds", "avg_wait_seconds",
}
AGENT_STATE_MEASURES = {"occupancy", "utilization"}


def meaningless(metric, dimensions):
    for dimension in dimensions:
        if metric in OFFERED_CONTACT_MEASURES and dimension in ("agent", "team"):
            return True
        if metric in AGENT_STATE_MEASURES and dimension in ("channel", "category", "direction"):
            return True
    return False


def weighted(pairs):
    pairs = [(w, s) for w, s in pairs if s is not None]
    total = sum(w for w, _ in pairs)
    return sum(w * s for w, s in pairs) / total if total > 0 else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kpi", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--by", default="")
    parser.add_argument("--filtered-by", action="append", default=[])
    args = parser.parse_args()
    kpi = json.load(open(args.kpi, encoding="utf-8"))
    model = json.load(open(args.model, encoding="utf-8"))
    dimensions = ([args.by] if args.by else []) + args.filtered_by
    rows = []
    for row in kpi["rows"]:
        out = {}
        if args.by:
            out[args.by] = row[args.by]
        scored = {}
        dimension_scores = []
        for dimension in model["dimensions"]:
            measures = {}
            pairs = []
            for measure in dimension["measures"]:
                value = None if meaningless(measure["metric"], dimensions) else row[measure["metric"]]
                score = None
                if value is not None:
                    raw = 100.0 * (value - measure["zero_at"]) / (measure["full_at"] - measure["zero_at"])
                    score = min(100.0, max(0.0, raw))
                measures[measure["metric"]] = {"value": value, "score": score}
                pairs.append((measure["weight"], score))
            score = weighted(pairs)
            scored[dimension["id"]] = {"score": score, "measures": measures}
            dimension_scores.append((dimension["weight"], score))
        composite = weighted(dimension_scores)
        grade = None
        if composite is not None:
            eligible = [g for g in model["grades"] if g["min"] <= composite]
            grade = max(eligible, key=lambda g: g["min"])["grade"] if eligible else None
        out["dimensions"] = scored
        out["composite"] = composite
        out["grade"] = grade
        rows.append(out)
    print(json.dumps({"rows": rows}, ensure_ascii=False))


if __name__ == "__main__":
    main()
