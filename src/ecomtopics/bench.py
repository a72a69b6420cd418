"""Throughput benchmarks: ours against the plain tools a user would otherwise use, in one run.

Every row measures ours and the baseline in the same process, on the same
corpus, and reports the ratio, because shared machines are noisy: absolute
numbers move from run to run, ratios much less. Run it with
``ecomtopics bench`` or ``python benchmarks/run.py`` (``--quick`` for a smoke
run under a minute).

The corpora are made from labelled data (the repository's ``data/`` folder:
``authored/`` and ``gold/``). From a checkout it is found by itself; from an
installed wheel, pass it (``ecomtopics bench --data path/to/data``) or run
from a checkout's root.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ._atomic import atomic_text_file
from ._errors import InputError

__all__ = ["build_corpus", "default_data_path", "run_benchmarks"]

logger = logging.getLogger(__name__)

BASELINE_CAP = 2000  # the slow baselines are timed on at most this many paragraphs per size
TOPIC_CAP = 20_000  # topic inference is timed on at most this many paragraphs per size


def default_data_path() -> Path:
    """The labelled data the benchmarks use by default: the checkout's ``data/``, else ``./data``.

    The checkout is the one this module runs from (an editable install);
    an installed wheel has none, so ``data/`` in the current folder is tried.
    """
    checkout = Path(__file__).resolve().parents[2] / "data"
    return checkout if checkout.is_dir() else Path("data")


def build_corpus(lang: str, size: int, seed: int = 0, data: str | Path | None = None) -> list[str]:
    """``size`` distinct paragraphs in ``lang``, made by recombining the sentences of the labelled data.

    ``data`` is the folder holding ``authored/`` and ``gold/`` (default: :func:`default_data_path`).
    """
    from .data import read_labelled
    from .text import split_sentences

    root = Path(data) if data is not None else default_data_path()
    paths = [p for p in (root / "authored", root / "gold") if p.exists()]
    if not paths:
        raise InputError(
            f"benchmarks need the repository's data/ folder (with authored/ and gold/); {root} has neither: "
            f"pass --data PATH or run from a checkout"
        )
    sentences = [
        s
        for r in read_labelled(paths)
        if r.lang == lang
        for s in split_sentences(r.text)
        if len(s) > 5
    ]
    rng = random.Random(seed)
    joiner = "" if lang == "zh" else " "
    return [joiner.join(rng.sample(sentences, rng.randint(2, 5))) for _ in range(size)]


def _best_rate(fn: Callable[[list[str]], Any], data: list[str], repeats: int) -> float:
    """Items per second: the best of ``repeats`` runs (the least disturbed by other load)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn(data)
        best = min(best, time.perf_counter() - start)
    return len(data) / best


def _scoring_seconds(ref: tuple[str, str, str], texts: list[str], start: float) -> float:
    """Run in a pool worker: wait until ``start`` (the monotonic clock, shared by the
    processes of one machine), then score ``texts`` with the model ``ref`` names."""
    from .batch import _worker_model

    model = _worker_model(ref)
    time.sleep(max(0.0, start - time.monotonic()))
    began = time.perf_counter()
    model.predict_proba(texts)
    return time.perf_counter() - began


@contextlib.contextmanager
def _ceiling_probe(clf: Any, texts: list[str]) -> Iterator[Callable[[], tuple[float, float]]]:
    """What two processes can reach on this machine now, with nothing shared.

    Yields a function that runs one round and returns its two times: the
    scoring of ``texts`` in this process alone, then here and in a pool worker
    at once, each on its own copy (sent before the clock starts). The two
    processes' rate against one is ``2 * alone / together``.
    """
    from .batch import _pool, _Reference

    reference = _Reference(clf)
    try:
        worker = _pool(1)
        worker.submit(_scoring_seconds, reference.ref, texts, 0.0).result()  # warm, as here

        def one_round() -> tuple[float, float]:
            began = time.perf_counter()
            clf.predict_proba(texts)
            alone = time.perf_counter() - began
            start = time.monotonic() + 0.5  # time enough for the texts to reach the worker
            other = worker.submit(_scoring_seconds, reference.ref, texts, start)
            time.sleep(max(0.0, start - time.monotonic()))
            began = time.perf_counter()
            clf.predict_proba(texts)
            return alone, max(time.perf_counter() - began, other.result())

        yield one_round
    finally:
        reference.close()


def _cpu_seconds_with_children() -> float | None:
    """CPU seconds used so far by this process and its live child processes (Linux's /proc;
    None elsewhere): what a pool of workers costs in all, whatever else the machine runs."""
    total = time.process_time()
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0
    if not tick or not os.path.isdir("/proc"):
        return None
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == me:  # parent pid; then user and system time in ticks
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _median_latency(fn: Callable[[str], Any], data: Sequence[str]) -> float:
    times = []
    for text in data:
        start = time.perf_counter()
        fn(text)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _tokenize_all(tokenizer: Callable[[str], list[str]], texts: list[str]) -> list[list[str]]:
    return [tokenizer(t) for t in texts]


def _predict_one(pipe: Any, text: str) -> Any:
    """A scikit-learn pipeline's prediction of one text, as a user would ask for it."""
    return pipe.predict([text])


def _subprocess_seconds(code: str, repeats: int) -> float:
    """Median wall time of a fresh interpreter running ``code`` (which prints its own timing).

    One untimed run first, allowed to write bytecode caches: the timed starts then read
    compiled modules, as every start after the first does in an installed package (an
    environment with ``PYTHONDONTWRITEBYTECODE`` set would otherwise compile every module
    on every start).
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, env=env)
    values = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        values.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(values)


def _memory_row(benchmark: str, size: int, code: str) -> dict[str, Any]:
    """A result row of the peak resident memory of ``code`` run in a fresh process."""
    return {
        "benchmark": benchmark,
        "size": size,
        "unit": "MB",
        "ours": _peak_rss_mb(code),
        "plain": None,
        "ratio": None,
        "target": "flat",
        "note": "VmHWM",
    }


def _peak_rss_mb(code: str) -> float:
    """Peak resident memory (VmHWM) of a fresh interpreter running ``code``.

    ru_maxrss is not used: on Linux it carries the parent's peak across fork and exec.
    """
    probe = (
        "\nfor line in open('/proc/self/status'):\n"
        "    if line.startswith('VmHWM:'):\n        print(int(line.split()[1]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code + probe], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def run_benchmarks(
    sizes: Sequence[int] = (1000, 10_000, 100_000),
    *,
    quick: bool = False,
    repeats: int = 3,
    data: str | Path | None = None,
) -> dict[str, Any]:
    """Run every benchmark; returns the results (rows with ours, plain, ratio, target).

    ``data`` is the labelled data folder (default: :func:`default_data_path`).
    """
    import jieba
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    from .batch import classify_many
    from .data import read_labelled
    from .features import Tfidf
    from .store import load_model
    from .tokenize import Tokenizer

    jieba.setLogLevel(logging.WARNING)
    if quick:
        sizes, repeats = (500,), 1
    rows: list[dict[str, Any]] = []

    def add(
        name: str,
        size: int | None,
        unit: str,
        ours: float,
        plain: float,
        target: str,
        higher_is_better: bool = True,
        note: str = "",
    ) -> None:
        ratio = ours / plain if higher_is_better else plain / ours
        rows.append(
            {
                "benchmark": name,
                "size": size,
                "unit": unit,
                "ours": ours,
                "plain": plain,
                "ratio": ratio,
                "target": target,
                "note": note,
            }
        )
        logger.info(
            "%s [%s]: ours %.4g %s, plain %.4g, ratio %.2f", name, size, ours, unit, plain, ratio
        )

    tok = Tokenizer()
    tok("天猫双十一")
    jieba.lcut("天猫双十一")
    import rjieba

    rj = rjieba.Jieba()  # rjieba itself, with the domain words the tokenizer adds
    for word, freq, tag in tok.lexicons.zh_domain_words():
        rj.add_word(word, freq, tag)
    clf = load_model("theme-classifier")
    data = Path(data) if data is not None else default_data_path()
    if not (data / "authored").is_dir():
        raise InputError(
            f"benchmarks need the repository's data/ folder (with authored/ and gold/); {data} has no "
            f"authored/: pass --data PATH or run from a checkout"
        )
    labelled = read_labelled(data / "authored")
    # the plain pipelines learn the five themes from the rows the shipped classifier learns from
    train_rows = read_labelled([p for p in (data / "authored", data / "grounded") if p.is_dir()])
    train_texts, train_labels = [r.text for r in train_rows], [r.label for r in train_rows]
    if sorted(set(train_labels)) != sorted(clf.classes_):
        raise ValueError(
            f"the labelled data has the themes {sorted(set(train_labels))}, the classifier "
            f"{sorted(clf.classes_)}: benchmarks need the project's data"
        )
    plain_en = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=2000)).fit(
        train_texts, train_labels
    )
    plain_zh = make_pipeline(
        TfidfVectorizer(tokenizer=jieba.lcut, token_pattern=None, lowercase=False),
        LogisticRegression(max_iter=2000),
    ).fit(train_texts, train_labels)
    # the same two views as the shipped classifier, built from scikit-learn's own parts: what
    # the character view costs there (its predictions do not matter here, so a short fit)
    two_views_en = make_pipeline(
        make_union(
            TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
            TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True),
        ),
        LogisticRegression(max_iter=50),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of the short fit
        two_views_en.fit(train_texts, train_labels)
    sk_analyzer = TfidfVectorizer().build_analyzer()
    topic_model = load_model("topic-model")
    from gensim.models import LdaModel

    plain_lda_docs = [
        jieba.lcut(r.text) if r.lang == "zh" else sk_analyzer(r.text) for r in labelled
    ]
    from gensim.corpora import Dictionary

    plain_dict = Dictionary(plain_lda_docs)
    plain_dict.filter_extremes(no_below=2, no_above=0.5)
    plain_lda = LdaModel(
        [plain_dict.doc2bow(d) for d in plain_lda_docs],
        num_topics=topic_model.n_topics,
        id2word=plain_dict,
        random_state=0,
        passes=2,
    )

    def plain_lda_infer(texts: list[str], lang: str) -> None:
        for text in texts:
            words = jieba.lcut(text) if lang == "zh" else sk_analyzer(text)
            plain_lda.get_document_topics(plain_dict.doc2bow(words), minimum_probability=0.0)

    for size in sizes:
        logger.info("size %d ...", size)
        reps = repeats if size <= 20_000 else 1
        corpus = {lang: build_corpus(lang, size, data=data) for lang in ("zh", "en")}
        capped = {lang: texts[:BASELINE_CAP] for lang, texts in corpus.items()}
        zh_mb = sum(len(t.encode()) for t in corpus["zh"]) / 1e6
        zh_cap_mb = sum(len(t.encode()) for t in capped["zh"]) / 1e6
        ours = zh_mb / (
            len(corpus["zh"]) / _best_rate(lambda d: [tok(t) for t in d], corpus["zh"], reps)
        )
        plain = zh_cap_mb / (
            len(capped["zh"]) / _best_rate(lambda d: [jieba.lcut(t) for t in d], capped["zh"], 1)
        )
        add(
            "Chinese tokenization (domain dictionary) vs jieba.lcut",
            size,
            "MB/s",
            ours,
            plain,
            ">= 20x",
        )
        rjieba_mb = zh_mb / (
            len(corpus["zh"])
            / _best_rate(lambda d: [rj.cut(t, True) for t in d], corpus["zh"], reps)
        )
        add(
            "rjieba.Jieba.cut alone (same dictionary) vs jieba.lcut",
            size,
            "MB/s",
            rjieba_mb,
            plain,
            "report",
            note="what the Chinese rows would be with rjieba itself segmenting (its words are "
            "ours; our tokenizer also cleans, routes and drops)",
        )
        ours = _best_rate(lambda d: [tok(t) for t in d], corpus["en"], reps)
        plain = _best_rate(lambda d: [sk_analyzer(t) for t in d], corpus["en"], reps)
        add(
            "English tokenization vs scikit-learn default analyzer",
            size,
            "paragraphs/s",
            ours,
            plain,
            "report",
        )
        mixed = corpus["zh"] + corpus["en"]
        tfidf = Tfidf().fit(mixed[: min(len(mixed), 4000)])
        plain_tfidf = TfidfVectorizer().fit(mixed[: min(len(mixed), 4000)])
        ours = _best_rate(tfidf.transform, mixed, reps)
        plain = _best_rate(plain_tfidf.transform, mixed, reps)
        add(
            "TF-IDF transform (ours: bilingual tokens) vs TfidfVectorizer defaults",
            size,
            "paragraphs/s",
            ours,
            plain,
            "report",
            note="the default analyzer makes a whole Chinese clause one token",
        )
        for lang in ("zh", "en"):
            texts = corpus[lang][:TOPIC_CAP]
            topic_tok = topic_model._tokenizer()
            bows = [  # not timed: the same bags of words for both
                topic_model.dictionary.doc2bow(topic_model._analyse(t, topic_tok)) for t in texts
            ]
            ours = _best_rate(topic_model._mix, bows, reps)
            plain = _best_rate(topic_model._lda.inference, bows, reps)
            add(
                f"Topic inference alone {lang}: our E-step (compiled, or numpy batch) vs gensim "
                "LdaModel.inference, same model and bags",
                size,
                "paragraphs/s",
                ours,
                plain,
                ">= 10x",
            )
            ours = _best_rate(topic_model.transform, texts, reps)
            plain = _best_rate(functools.partial(plain_lda_infer, lang=lang), capped[lang], 1)
            add(
                f"Topic mix end to end {lang} vs plain jieba/regex + gensim get_document_topics",
                size,
                "paragraphs/s",
                ours,
                plain,
                ">= 5x",
            )
            plain = _best_rate(functools.partial(_tokenize_all, topic_tok), texts, reps)
            add(
                f"Topic mix end to end {lang} vs our tokenizer alone",
                size,
                "paragraphs/s",
                ours,
                plain,
                ">= 0.5x",
                note="1x would mean inference costs nothing",
            )
        ours_zh = _best_rate(clf.predict, corpus["zh"], reps)
        jieba_only = _best_rate(lambda d: [jieba.lcut(t) for t in d], capped["zh"], 1)
        add(
            "Classification end to end zh vs jieba.lcut tokenization alone",
            size,
            "paragraphs/s",
            ours_zh,
            jieba_only,
            ">= 15x",
        )
        plain = _best_rate(plain_zh.predict, capped["zh"], 1)
        add(
            "Classification end to end zh vs scikit-learn Pipeline (jieba)",
            size,
            "paragraphs/s",
            ours_zh,
            plain,
            "report",
        )
        ours_en = _best_rate(clf.predict, corpus["en"], reps)
        plain = _best_rate(plain_en.predict, corpus["en"], reps)
        add(
            "Classification end to end en vs scikit-learn Pipeline",
            size,
            "paragraphs/s",
            ours_en,
            plain,
            ">= 2x (25k/s and up)",
        )
        plain = _best_rate(two_views_en.predict, corpus["en"], reps)
        add(
            "Classification end to end en vs scikit-learn Pipeline with the same two views "
            "(word 1-2-grams + char 1-3-grams)",
            size,
            "paragraphs/s",
            ours_en,
            plain,
            "report",
            note="about the shipped model's two views (no concepts, scikit-learn's own tokens)",
        )

    # one paragraph per call
    for lang, pipe in (("en", plain_en), ("zh", plain_zh)):
        sample = build_corpus(lang, 200 if not quick else 50, seed=1, data=data)
        ours = _median_latency(lambda t: clf.predict([t]), sample)
        plain = _median_latency(functools.partial(_predict_one, pipe), sample)
        add(
            f"One paragraph per call {lang}: median latency vs Pipeline.predict([x])",
            1,
            "ms",
            ours * 1e3,
            plain * 1e3,
            ">= 10x lower",
            higher_is_better=False,
        )

    # parallel scoring: the first call of each pays for its start (the main process's
    # dictionaries; starting the workers and loading the model in each); the pool then stays
    # up with the model loaded, so later calls run warm: both rates are reported. Warm rates
    # are the best of five calls, n_jobs=1, n_jobs=2 and the ceiling probe taking turns: on a
    # shared machine another tenant's load takes a core for seconds at a time, which costs two
    # processes more than one (single rounds gave 1.31x to 2.21x, the ceiling 1.39x to 2.22x)
    big = build_corpus("zh", 4000 if quick else 40_000, seed=2, data=data) + build_corpus(
        "en", 4000 if quick else 40_000, seed=3, data=data
    )

    def score_all(n_jobs: int) -> Callable[[list[str]], int]:
        return lambda d: sum(1 for _ in classify_many(d, clf, n_jobs=n_jobs, batch_size=2000))

    cold = {n: _best_rate(score_all(n), big, 1) for n in (1, 2)}
    rates: dict[int, list[float]] = {1: [], 2: []}
    cpu: dict[int, list[float]] = {1: [], 2: []}  # CPU microseconds a paragraph, all processes
    ceiling: list[tuple[float, float]] = []  # (alone, together) seconds
    with _ceiling_probe(clf, big[::2]) as ceiling_round:
        for _ in range(1 if quick else 5):  # interleaved: all see the same spells of outside load
            for n in (1, 2):
                before = _cpu_seconds_with_children()
                rates[n].append(_best_rate(score_all(n), big, 1))
                after = _cpu_seconds_with_children()
                if before is not None and after is not None:
                    cpu[n].append((after - before) / len(big) * 1e6)
            ceiling.append(ceiling_round())
    best_ceiling = 2 * min(a for a, _ in ceiling) / min(t for _, t in ceiling)
    paired = statistics.median(two / one for one, two in zip(rates[1], rates[2]))
    paired_ceiling = statistics.median(2 * a / t for a, t in ceiling)
    cpu_note = (
        f"; CPU a paragraph, all processes: {min(cpu[1]):.1f} us (n_jobs=1) and "
        f"{min(cpu[2]):.1f} us (n_jobs=2)"
        if cpu[1] and cpu[2]
        else ""
    )
    add(
        "classify_many n_jobs=2 vs n_jobs=1 (pool and model warm)",
        len(big),
        "paragraphs/s",
        max(rates[2]),
        max(rates[1]),
        ">= 1.8x",
        note=f"{os.cpu_count()} cores; best rates of {len(rates[1])} round(s), each n_jobs=1, "
        f"n_jobs=2, then the machine's own ceiling (this process and a worker scoring "
        f"{len(big) // 2:,} paragraphs each, independently, against one): ceiling "
        f"{best_ceiling:.2f}x; medians of the rounds' own ratios: {paired:.2f}x, ceiling "
        f"{paired_ceiling:.2f}x; first calls (workers starting): {cold[2]:.3g} against "
        f"{cold[1]:.3g} paragraphs/s, {cold[2] / cold[1]:.2f}x" + cpu_note,
    )

    rows.extend(_topic_training_rows(data, topic_model, quick))

    # start-up
    n = 1 if quick else 5
    import_s = _subprocess_seconds(
        "import time; t = time.perf_counter(); import ecomtopics; print(time.perf_counter() - t)", n
    )
    load_s = _subprocess_seconds(
        "import numpy, time, ecomtopics as et; t = time.perf_counter(); et.load_model('theme-classifier'); "
        "print(time.perf_counter() - t)",
        n,
    )
    rows.append(
        {
            "benchmark": "import ecomtopics",
            "size": None,
            "unit": "s",
            "ours": import_s,
            "plain": None,
            "ratio": None,
            "target": "< 0.3 s",
            "note": "fresh interpreter, median",
        }
    )
    rows.append(
        {
            "benchmark": "load_model('theme-classifier') (numpy already imported)",
            "size": None,
            "unit": "s",
            "ours": load_s,
            "plain": None,
            "ratio": None,
            "target": "< 0.05 s",
            "note": "checksums verified",
        }
    )

    # memory: streaming stays flat
    mem_sizes = (2000, 8000) if quick else (10_000, 100_000)
    for size in mem_sizes:
        code = (
            "import ecomtopics as et\nfrom ecomtopics.bench import build_corpus\n"
            f"texts = (t for i in range({size} // 1000) for t in build_corpus('en', 1000, seed=i, data={str(data)!r}))\n"
            "n = sum(1 for _ in et.classify_many(texts, batch_size=1000))\n"
        )
        rows.append(_memory_row("peak memory, classify_many streaming", size, code))
        code = (
            "import ecomtopics as et\nfrom ecomtopics.bench import build_corpus\n"
            f"texts = (t for i in range({size} // 1000) for t in build_corpus('zh', 1000, seed=i, data={str(data)!r}))\n"
            "et.TopicModel(n_topics=8, passes=1, iterations=20).fit(texts)\n"
        )
        rows.append(_memory_row("peak memory, TopicModel.fit on a stream", size, code))

    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "quick": quick,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "processor": platform.processor() or platform.machine(),
            "numpy": np.__version__,
        },
        "baseline_cap": BASELINE_CAP,
        "rows": rows,
    }


def _topic_training_rows(data: Path, shipped: Any, quick: bool) -> list[dict[str, Any]]:
    """Training time and c_v of our TopicModel (the shipped model's settings) vs tomotopy's LDAModel.

    Both learn the shipped number of topics from the topic model's training data
    (``data/authored``); tomotopy gets exactly the bags of words our model
    counts (its tokens, shared units and vocabulary), and both are scored by the same
    c_v (gensim's ``CoherenceModel``, top 10 words, on those tokens). Times include
    tokenizing. Without tomotopy installed the rows say so.
    """
    from .data import read_labelled
    from .topics import TopicModel

    name = "Topic model training (shipped settings) vs tomotopy LDAModel"
    try:
        import tomotopy
    except ImportError:
        return [
            {
                "benchmark": name,
                "size": None,
                "unit": "s",
                "ours": float("nan"),
                "plain": None,
                "ratio": None,
                "target": "report",
                "note": "skipped: tomotopy is not installed (pip install tomotopy)",
            }
        ]
    from gensim.models import CoherenceModel

    texts = [r.text for r in read_labelled(data / "authored")]
    if quick:
        texts = texts[:400]
    params = shipped.get_params()
    params["progress"] = False
    start = time.perf_counter()
    ours = TopicModel(**params).fit(texts)
    ours_s = time.perf_counter() - start
    iterations = 200 if quick else 1000
    start = time.perf_counter()
    docs = ours.tokens(texts)
    plain = tomotopy.LDAModel(k=ours.n_topics, seed=0)
    for doc in docs:
        if doc:
            plain.add_doc(doc)
    plain.train(iterations, workers=1)
    plain_s = time.perf_counter() - start

    def c_v(topics: list[list[str]]) -> float:
        model = CoherenceModel(
            topics=topics, texts=docs, dictionary=ours.dictionary, coherence="c_v", processes=1
        )
        return float(model.get_coherence())

    ours_cv = c_v([[w for w, _ in topic] for topic in ours.topics(10)])
    plain_cv = c_v(
        [[w for w, _ in plain.get_topic_words(k, top_n=10)] for k in range(ours.n_topics)]
    )
    setting = (
        f"{len(texts)} texts, {ours.n_topics} topics; ours {params['passes']} passes, "
        f"tomotopy {iterations} Gibbs iterations, 1 worker"
    )
    return [
        {
            "benchmark": f"{name}: time",
            "size": len(texts),
            "unit": "s",
            "ours": ours_s,
            "plain": plain_s,
            "ratio": plain_s / ours_s,
            "target": "report",
            "note": setting,
        },
        {
            "benchmark": f"{name}: c_v coherence",
            "size": len(texts),
            "unit": "c_v",
            "ours": ours_cv,
            "plain": plain_cv,
            "ratio": ours_cv / plain_cv,
            "target": "report",
            "note": "same tokens and vocabulary, top 10 words",
        },
    ]


def format_table(results: dict[str, Any]) -> str:
    """The results as a Markdown table."""
    lines = ["| benchmark | size | ours | plain | ratio | target |", "|---|---|---|---|---|---|"]
    for r in results["rows"]:
        size = "" if r["size"] is None else f"{r['size']:,}"
        ours = f"{r['ours']:,.3g} {r['unit']}"
        plain = "" if r["plain"] is None else f"{r['plain']:,.3g} {r['unit']}"
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}x"
        lines.append(f"| {r['benchmark']} | {size} | {ours} | {plain} | {ratio} | {r['target']} |")
    return "\n".join(lines) + "\n"


def write_results(results: dict[str, Any], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    name = "quick" if results["quick"] else results["created"].replace(":", "")
    path = folder / f"{name}.json"
    # a unique temporary file beside it (a fixed NAME.tmp could be someone else's), removed on failure
    with atomic_text_file(path) as handle:
        handle.write(json.dumps(results, indent=2) + "\n")
    return path
