"""Keywords of Chinese documents: ours (TF-IDF, cleaned and raw) against jieba.analyse.extract_tags.

Documents: the Chinese seed and the Chinese grounded passages of data/grounded
(paragraphs joined by passage). For each document the top 10 of each method;
reported: mean overlap with jieba's top 10, and noise counts in the top 10s
(one Chinese character, number-like, tied scores with the next keyword).

    python benchmarks/keywords_vs_jieba.py [--top-n 10]
"""

from __future__ import annotations

import argparse
import collections
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_ONE_HAN = re.compile(r"[\u4e00-\u9fff]")


def documents(lang: str = "zh") -> list[tuple[str, str]]:
    docs = [(p.name, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "seeds").glob("*.txt"))]
    docs = [(n, t) for n, t in docs if (len(_ONE_HAN.findall(t)) > len(t) / 3) == (lang == "zh")]
    passages: dict[str, list[str]] = collections.defaultdict(list)
    for path in sorted((ROOT / "data" / "grounded").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row.get("lang") == lang:
                passages[row["id"].rsplit("-p", 1)[0]].append(row["text"])
    return docs + [(k, "\n".join(v)) for k, v in sorted(passages.items())]


def noise(words: list[tuple[str, float]]) -> collections.Counter[str]:
    out: collections.Counter[str] = collections.Counter()
    for i, (w, s) in enumerate(words):
        out["one_character"] += len(w) == 1 and bool(_ONE_HAN.fullmatch(w))
        out["number_like"] += bool(re.fullmatch(r"[\d.,%]+|[一二三四五六七八九十百千万亿]+", w))
        out["tied_with_next"] += i + 1 < len(words) and words[i + 1][1] == s
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--top-n", type=int, default=10)
    args = parser.parse_args()
    import jieba
    import jieba.analyse

    from ecomtopics.features import Tfidf, keyword_noise
    from ecomtopics.text import split_paragraphs

    jieba.setLogLevel(60)
    docs = documents()
    paragraphs = [p.text for _, t in docs for p in split_paragraphs(t)]
    tfidf = Tfidf().fit(paragraphs)
    texts = ["\n".join(p.text for p in split_paragraphs(t)) for _, t in docs]
    n = args.top_n
    ours = tfidf.keywords_many(texts, n)
    raw = tfidf.keywords_many(texts, n, clean=False)
    theirs = [jieba.analyse.extract_tags(t, topK=n, withWeight=True) for t in texts]
    totals = {k: collections.Counter() for k in ("ours", "raw", "jieba")}
    overlap = {"ours": 0.0, "raw": 0.0}
    for o, r, j in zip(ours, raw, theirs):
        jw = {w for w, _ in j}
        overlap["ours"] += len({w for w, _ in o} & jw) / n
        overlap["raw"] += len({w for w, _ in r} & jw) / n
        totals["ours"] += noise(o)
        totals["raw"] += noise(r)
        totals["jieba"] += noise([(w, round(s, 6)) for w, s in j])
    print(f"{len(docs)} Chinese documents, top {n}")
    for k in ("ours", "raw"):
        print(f"overlap with jieba ({k}): {overlap[k] / len(docs):.2f}")
    for k, c in totals.items():
        print(f"noise in top {n} ({k}): " + ", ".join(f"{m} {c[m]}" for m in sorted(c)))
    english = documents("en")
    en_texts = ["\n".join(p.text for p in split_paragraphs(t)) for _, t in english]
    en_tfidf = Tfidf().fit([p.text for t in en_texts for p in split_paragraphs(t)])
    dropped: collections.Counter[str] = collections.Counter()
    for text, words in zip(en_texts, en_tfidf.keywords_many(en_texts, n, clean=False)):
        present = {w for w, _ in words}
        dropped.update(r for w, _ in words if (r := keyword_noise(w, text, present)))
    print(
        f"{len(english)} English documents: of the raw top {n}s, "
        + ", ".join(f"{r} {c}" for r, c in sorted(dropped.items()))
        + " left out by the cleaning"
    )
    print(f"example ({docs[0][0]}):")
    print("  ours :", " ".join(w for w, _ in ours[0]))
    print("  raw  :", " ".join(w for w, _ in raw[0]))
    print("  jieba:", " ".join(w for w, _ in theirs[0]))


if __name__ == "__main__":
    main()
