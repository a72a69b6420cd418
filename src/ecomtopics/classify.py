"""The theme classifier: operations, o2o, channel, merchant_services or other.

One model for Chinese and English: features are our tokens (platform names
left out) plus bilingual concept features (``线下`` and ``offline`` share
``@offline_retail``), weighted by TF-IDF; a multinomial logistic regression
gives the main theme, with a fixed push from the concept lexicon towards each
concept's theme (an ensemble with the keyword rule), calibrated by a temperature
fitted on cross-validated scores; one binary logistic regression per theme
gives the multi-label view. Scoring runs on the fitted arrays with
numpy only (no scikit-learn import), which keeps one-paragraph calls fast and
loading light; :meth:`ThemeClassifier.to_sklearn` rebuilds the equivalent
scikit-learn pipeline.

>>> clf = ThemeClassifier(calibrate=False).fit(
...     ["线下门店与天猫打通", "offline stores join Tmall", "服务商帮助商家", "service providers help merchants"],
...     ["o2o", "o2o", "merchant_services", "merchant_services"])
>>> clf.predict(["天猫的线下门店", "a new service provider"])
['o2o', 'merchant_services']
"""

from __future__ import annotations

import logging
import math
import numbers
from collections import Counter
from collections.abc import Iterable
from itertools import chain
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ._errors import InputError
from ._estimator import EstimatorMixin
from ._typing import Memo, check_text, check_texts
from .features import CONCEPT_PREFIX, Analyzer, _identity

__all__ = ["Explanation", "ThemeClassifier"]

logger = logging.getLogger(__name__)

OTHER = "other"


@dataclass(frozen=True)
class Explanation:
    """Why a paragraph got its label.

    Attributes
    ----------
    label : str
        The predicted theme.
    probabilities : dict
        Theme -> probability.
    terms : dict
        Theme -> list of (feature, contribution) that pushed that theme up
        (positive) or down (negative) relative to the other themes, largest
        magnitude first. ``@name`` features are bilingual concepts.
    """

    label: str
    probabilities: dict[str, float]
    terms: dict[str, list[tuple[str, float]]] = field(default_factory=dict)


class ThemeClassifier(EstimatorMixin):
    """Label paragraphs by theme, in Chinese or English.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of the logistic regressions.
    concepts : bool
        Add the bilingual concept features.
    lexicon_prior : float
        Added, after fitting, to the coefficient of every concept feature for
        the theme the concept lexicon gives it: the keyword rule's vote joins
        the learnt model's. 0 leaves the learnt model alone; no effect without
        ``concepts``. It shapes the main theme (:meth:`predict`,
        :meth:`predict_proba`, :meth:`explain`); the per-theme models of
        :meth:`predict_labels` stay purely learnt.
    ignore_platform_names : bool
        Leave out platform names (Tmall, 淘宝, "platform" …; the
        ``platform_names.txt`` lexicon), which real text uses whatever its theme.
    ngram_range : (int, int)
        Word n-grams over our tokens.
    min_df : int
        Ignore features seen in fewer training paragraphs.
    sublinear_tf : bool
        Use 1 + log(tf) in TF-IDF.
    class_weight : None or "balanced"
        As in scikit-learn's ``LogisticRegression``.
    calibrate : bool
        Fit a temperature on 5-fold cross-validated scores so that
        probabilities are calibrated.
    multilabel_threshold : float
        Default threshold of :meth:`predict_labels`.
    tokenizer_params : dict, optional
        Settings of the :class:`~ecomtopics.Tokenizer`.
    max_iter : int
        Iterations of the solver.
    random_state : int
        Seeds the cross-validation folds and the solver.

    Attributes
    ----------
    classes_ : list of str
        The themes, in the column order of :meth:`predict_proba`.
    vocabulary_ : list of str
        Feature names, in column order.
    idf_, coef_, intercept_ : ndarray
        TF-IDF weights and the main model's coefficients.
    temperature_ : float
        Calibration temperature (1.0 when ``calibrate=False``).
    label_classes_, label_coef_, label_intercept_ :
        The per-theme binary models behind :meth:`predict_labels`.
    """

    _estimator_type: ClassVar[str] = "classifier"
    _requires_y: ClassVar[bool] = True
    _store_kind: ClassVar[str] = "theme-classifier"
    _store_format: ClassVar[int] = 2  # 2: lexicon_prior and ignore_platform_names (1 loads with both off)

    def __init__(
        self,
        C: float = 10.0,
        concepts: bool = True,
        lexicon_prior: float = 2.0,
        ignore_platform_names: bool = True,
        ngram_range: tuple[int, int] = (1, 1),
        min_df: int = 1,
        sublinear_tf: bool = True,
        class_weight: str | None = None,
        calibrate: bool = True,
        multilabel_threshold: float = 0.5,
        tokenizer_params: dict[str, Any] | None = None,
        max_iter: int = 5000,
        random_state: int | None = 0,
    ) -> None:
        self.C = C
        self.concepts = concepts
        self.lexicon_prior = lexicon_prior
        self.ignore_platform_names = ignore_platform_names
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.class_weight = class_weight
        self.calibrate = calibrate
        self.multilabel_threshold = multilabel_threshold
        self.tokenizer_params = tokenizer_params
        self.max_iter = max_iter
        self.random_state = random_state

    # -- fitting ---------------------------------------------------------------------
    def _analyzer(self) -> Analyzer:
        return Analyzer(self.tokenizer_params, tuple(self.ngram_range), concepts=self.concepts,
                        ignore_platform_names=self.ignore_platform_names)  # fmt: skip

    def _check_params(self) -> None:
        if isinstance(self.C, bool) or not isinstance(self.C, numbers.Real) or not 0 < self.C < math.inf:
            raise InputError(f"C must be a positive number, got {self.C!r}")
        if not 0.0 < self.multilabel_threshold < 1.0:
            raise InputError(f"multilabel_threshold must be in (0, 1), got {self.multilabel_threshold!r}")
        prior = self.lexicon_prior
        if isinstance(prior, (bool, np.bool_)) or not isinstance(prior, numbers.Real) or not (0 <= prior < math.inf):
            raise InputError(f"lexicon_prior must be a finite number >= 0, got {prior!r}")
        if not isinstance(self.ignore_platform_names, (bool, np.bool_)):
            raise InputError(f"ignore_platform_names must be True or False, got {self.ignore_platform_names!r}")
        if self.class_weight not in (None, "balanced"):
            raise InputError(f"class_weight must be None or 'balanced', got {self.class_weight!r}")

    def fit(
        self,
        X: Iterable[str],
        y: Iterable[str],
        *,
        labels: Iterable[Iterable[str]] | None = None,
    ) -> ThemeClassifier:
        """Train on paragraphs ``X`` with main themes ``y``.

        Parameters
        ----------
        X : iterable of str
        y : iterable of str
            The main theme of each paragraph.
        labels : iterable of iterables of str, optional
            Every theme each paragraph substantially discusses (for
            :meth:`predict_labels`); defaults to ``[y]`` (``[]`` for other).
        """
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self._check_params()
        texts = check_texts(X, name="X", allow_empty=False)
        self._forget_source()
        y = [str(v) for v in y] if not isinstance(y, str) else None
        if y is None:
            from ._errors import InputTypeError  # a TypeError too

            raise InputTypeError("y must be an iterable of labels, not a single string")
        if len(y) != len(texts):
            raise InputError(f"X has {len(texts)} texts but y has {len(y)} labels")
        classes = sorted(set(y))
        if len(classes) < 2:
            raise InputError(f"need at least two themes to learn from, got {classes}")
        multi = [list(ls) for ls in labels] if labels is not None else [[v] if v != OTHER else [] for v in y]
        if len(multi) != len(texts):
            raise InputError(f"X has {len(texts)} texts but labels has {len(multi)} entries")

        analyzer = self._analyzer()
        docs = [analyzer(t) for t in texts]
        vectorizer = TfidfVectorizer(
            analyzer=_identity, token_pattern=None, lowercase=False,
            min_df=self.min_df, sublinear_tf=self.sublinear_tf, dtype=np.float64,
        )  # fmt: skip
        try:
            matrix = vectorizer.fit_transform(docs)
        except ValueError as exc:
            raise InputError(
                f"empty vocabulary: no features in the {len(texts)} training texts ({exc}); "
                "perhaps they contain only stopwords, punctuation or platform names"
            ) from None
        model = LogisticRegression(
            C=self.C, max_iter=self.max_iter, class_weight=self.class_weight, random_state=self.random_state
        )
        model.fit(matrix, y)

        self.classes_ = [str(c) for c in model.classes_]
        self.vocabulary_ = [str(t) for t in vectorizer.get_feature_names_out()]
        self.idf_ = vectorizer.idf_.astype(np.float64)
        coef, self.intercept_ = _multinomial_form(model.coef_, model.intercept_)
        prior = self._lexicon_prior_matrix()
        self.coef_ = np.ascontiguousarray(coef + prior)
        self.temperature_ = self._fit_temperature(matrix, y, prior) if self.calibrate else 1.0

        label_classes = [c for c in self.classes_ if c != OTHER]
        label_coef, label_intercept = [], []
        for theme in label_classes:
            target = np.array([theme in ls for ls in multi], dtype=int)
            if target.min() == target.max():
                raise InputError(f"theme {theme!r}: every or no paragraph has it in labels; cannot learn it")
            binary = LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=self.random_state)
            binary.fit(matrix, target)
            label_coef.append(binary.coef_[0])
            label_intercept.append(binary.intercept_[0])
        self.label_classes_ = label_classes
        self.label_coef_ = np.asarray(label_coef, dtype=np.float64).reshape(len(label_classes), -1)
        self.label_intercept_ = np.asarray(label_intercept, dtype=np.float64)
        self.n_features_ = len(self.vocabulary_)
        self._prepare()
        logger.info("trained on %d paragraphs, %d features, temperature %.3f",
                    len(texts), self.n_features_, self.temperature_)  # fmt: skip
        return self

    def _lexicon_prior_matrix(self) -> np.ndarray:
        """(classes, features): ``lexicon_prior`` where a concept feature meets its theme, else 0."""
        from .tokenize import concept_themes

        prior = np.zeros((len(self.classes_), len(self.vocabulary_)))
        if self.lexicon_prior:
            theme_of = concept_themes()
            row = {c: k for k, c in enumerate(self.classes_)}
            for j, feature in enumerate(self.vocabulary_):
                if feature.startswith(CONCEPT_PREFIX) and theme_of.get(feature[1:]) in row:
                    prior[row[theme_of[feature[1:]]], j] = self.lexicon_prior
        return prior

    def _fit_temperature(self, matrix: Any, y: list[str], prior: np.ndarray) -> float:
        """Temperature minimising the log loss of 5-fold out-of-fold scores (lexicon prior included)."""
        from scipy.optimize import minimize_scalar
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        n_splits = min(5, min(y.count(c) for c in set(y)))
        if n_splits < 2:
            logger.warning("a theme has a single example: probabilities are not calibrated")
            return 1.0
        folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=self.random_state)
        model = LogisticRegression(C=self.C, max_iter=self.max_iter, class_weight=self.class_weight,
                                   random_state=self.random_state)  # fmt: skip
        scores = cross_val_predict(model, matrix, y, cv=folds, method="decision_function")
        if scores.ndim == 1:  # two classes: one score s, softmax over (-s/2, s/2) is the sigmoid
            scores = np.column_stack([-scores / 2, scores / 2])
        scores = scores + np.asarray(matrix @ prior.T)
        target = np.searchsorted(self.classes_, y)

        def loss(t: float) -> float:
            z = scores / t
            z = z - z.max(axis=1, keepdims=True)
            log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
            return float(-log_p[np.arange(len(y)), target].mean())

        result = minimize_scalar(loss, bounds=(0.05, 20.0), method="bounded")
        return float(result.x)

    # -- the lean scoring path -------------------------------------------------------------
    def _prepare(self) -> None:
        self._index = {term: i for i, term in enumerate(self.vocabulary_)}
        self._analyzer_ = self._analyzer()
        self._tokenizer_ = self._analyzer_.tokenizer
        self._other = self.classes_.index(OTHER) if OTHER in self.classes_ else None
        self._coef_t = np.ascontiguousarray(self.coef_.T)
        self._columns = Memo(self._token_columns) if tuple(self.ngram_range) == (1, 1) else None
        self._py_weights = Memo(self._column_weights)
        self._intercept_list = [float(b) for b in self.intercept_]

    def _token_columns(self, token: str) -> tuple[int, ...]:
        """Columns a token feeds: itself and, with concepts, its concept features."""
        features = self._analyzer_.features_of_token(token)
        return tuple(self._index[f] for f in features if f in self._index)

    def _ensure_ready(self) -> None:
        self._check_fitted("coef_")
        if getattr(self, "_index", None) is None:
            self._prepare()

    def _counts(self, text: str) -> dict[int, int]:
        """Column -> count of the features of ``text``."""
        if self._columns is not None:  # the fast path: per-token memo, counting in C
            columns = self._columns
            if len(columns) > 1_000_000:
                columns.clear()
            return Counter(chain.from_iterable(map(columns.__getitem__, self._tokenizer_(text))))
        index = self._index
        return Counter(j for j in map(index.get, self._analyzer_(text)) if j is not None)

    def _column_weights(self, column: int) -> tuple[float, tuple[float, ...]]:
        return float(self.idf_[column]), tuple(float(w) for w in self._coef_t[column])

    def _scores_one(self, text: str) -> tuple[list[float], bool]:
        """Uncalibrated scores of one text in plain Python (no numpy call overhead)."""
        counts = self._counts(text)
        if not counts:
            return list(self._intercept_list), True
        weights = self._py_weights
        acc = [0.0] * len(self.classes_)
        norm2 = 0.0
        log, sublinear = math.log, self.sublinear_tf
        for column, count in counts.items():
            idf, w = weights[column]
            t = ((log(count) + 1.0) if sublinear else count) * idf
            norm2 += t * t
            acc = [a + t * wk for a, wk in zip(acc, w)]
        norm = math.sqrt(norm2)
        return [a / norm + b for a, b in zip(acc, self._intercept_list)], False

    def _proba_one(self, text: str) -> list[float]:
        scores, empty = self._scores_one(text)
        if empty:
            k = len(self.classes_)
            return [1.0 if i == self._other else 0.0 for i in range(k)] if self._other is not None else [1.0 / k] * k
        temperature = self.temperature_
        top = max(scores)
        exps = [math.exp((z - top) / temperature) for z in scores]
        total = sum(exps)
        return [e / total for e in exps]

    def _matrix(self, texts: list[str]) -> Any:
        """TF-IDF rows of ``texts`` (scipy CSR), computed in bulk."""
        from scipy.sparse import csr_matrix

        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        indices: list[int] = []
        counts: list[int] = []
        for i, text in enumerate(texts):
            c = self._counts(text)
            indices.extend(c.keys())
            counts.extend(c.values())
            indptr[i + 1] = len(indices)
        cols = np.asarray(indices, dtype=np.intp)
        tf = np.asarray(counts, dtype=np.float64)
        if self.sublinear_tf:
            tf = np.log(tf) + 1.0
        values = tf * self.idf_[cols]
        rows = np.repeat(np.arange(len(texts)), np.diff(indptr))
        norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=len(texts)))
        values /= norms[rows]
        return csr_matrix((values, cols, indptr), shape=(len(texts), len(self.vocabulary_)))

    def transform(self, X: Iterable[str]) -> Any:
        """The TF-IDF feature matrix (scipy CSR) the model scores."""
        self._ensure_ready()
        return self._matrix(check_texts(X, name="X"))

    def decision_function(self, X: Iterable[str]) -> np.ndarray:
        """Uncalibrated scores, one column per class (as scikit-learn's)."""
        self._ensure_ready()
        texts = check_texts(X, name="X")
        if len(texts) <= 4:  # plain Python beats numpy's per-call overhead
            return np.array([self._scores_one(t)[0] for t in texts], dtype=np.float64).reshape(len(texts), -1)
        return self._scores_of_matrix(self._matrix(texts))

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Calibrated probabilities, columns in the order of ``classes_``.

        A paragraph with no known feature (empty, only stopwords, platform
        names or unseen words) gets probability 1 for ``other`` (uniform if the model has no
        ``other`` class).
        """
        self._ensure_ready()
        texts = check_texts(X, name="X")
        proba = np.empty((len(texts), len(self.classes_)))
        for start in range(0, len(texts), 4096):
            chunk = texts[start : start + 4096]
            scores = self._score_chunk(chunk)
            proba[start : start + len(chunk)] = scores
        return proba

    def _score_chunk(self, texts: list[str]) -> np.ndarray:
        if len(texts) <= 4:  # one paragraph per call: plain Python beats numpy's per-call overhead
            return np.array([self._proba_one(t) for t in texts], dtype=np.float64).reshape(len(texts), -1)
        return self._proba_of_matrix(self._matrix(texts))

    def _scores_of_matrix(self, matrix: Any) -> np.ndarray:
        return np.asarray(matrix @ self._coef_t) + self.intercept_

    def _proba_of_matrix(self, matrix: Any) -> np.ndarray:
        return self._softmax(self._scores_of_matrix(matrix), np.diff(matrix.indptr) == 0)

    def _softmax(self, scores: np.ndarray, empty: np.ndarray) -> np.ndarray:
        z = scores / self.temperature_
        z = z - z.max(axis=1, keepdims=True)
        proba = np.exp(z)
        proba /= proba.sum(axis=1, keepdims=True)
        if empty.any():
            proba[empty] = 0.0
            if self._other is not None:
                proba[empty, self._other] = 1.0
            else:
                proba[empty] = 1.0 / len(self.classes_)
        return proba

    def predict(self, X: Iterable[str]) -> list[str]:
        """The main theme of each paragraph."""
        proba = self.predict_proba(X)
        return [self.classes_[i] for i in proba.argmax(axis=1)]

    def predict_one(self, text: str) -> tuple[str, np.ndarray]:
        """Fast path for one paragraph: (theme, probabilities)."""
        self._ensure_ready()
        check_text(text)
        proba = self._proba_one(text)
        best = max(range(len(proba)), key=proba.__getitem__)
        return self.classes_[best], np.array(proba)

    def predict_labels(self, X: Iterable[str], threshold: float | None = None) -> list[list[str]]:
        """Every theme each paragraph substantially discusses, most likely first.

        A theme is kept when its binary model's probability reaches
        ``threshold`` (default ``multilabel_threshold``); ``["other"]`` when
        none does.
        """
        self._ensure_ready()
        threshold = self._threshold(threshold)
        return self._labels_from_matrix(self._matrix(check_texts(X, name="X")), threshold)

    def _threshold(self, threshold: float | None) -> float:
        threshold = self.multilabel_threshold if threshold is None else threshold
        if not 0.0 < threshold < 1.0:
            raise InputError(f"threshold must be in (0, 1), got {threshold!r}")
        return threshold

    def _labels_from_matrix(self, matrix: Any, threshold: float) -> list[list[str]]:
        scores = np.asarray(matrix @ self.label_coef_.T) + self.label_intercept_
        proba = 1.0 / (1.0 + np.exp(-scores))
        out = []
        for row in proba:
            order = np.argsort(-row, kind="stable")
            themes = [self.label_classes_[j] for j in order if row[j] >= threshold]
            out.append(themes or [OTHER])
        return out

    def predict_proba_and_labels(
        self, X: Iterable[str], threshold: float | None = None
    ) -> tuple[np.ndarray, list[list[str]]]:
        """:meth:`predict_proba` and :meth:`predict_labels` together, tokenizing each text once."""
        self._ensure_ready()
        threshold = self._threshold(threshold)
        matrix = self._matrix(check_texts(X, name="X"))
        return self._proba_of_matrix(matrix), self._labels_from_matrix(matrix, threshold)

    def explain(self, text: str, top_n: int = 5) -> Explanation:
        """The features that pushed each theme up or down for ``text``.

        A feature's push on a theme is its TF-IDF value times the theme's
        coefficient minus the mean coefficient over themes (softmax is
        unchanged by that shift), so positive means "towards this theme".
        """
        self._ensure_ready()
        check_text(text)
        if top_n < 1:
            raise InputError(f"top_n must be at least 1, got {top_n}")
        label, proba = self.predict_one(text)
        row = self._matrix([text])
        cols, values = row.indices, row.data
        coef = self.coef_[:, cols]
        pushes = (coef - coef.mean(axis=0, keepdims=True)) * values
        terms = {}
        for k, theme in enumerate(self.classes_):
            order = np.lexsort((cols, -np.abs(pushes[k])))[:top_n]
            terms[theme] = [(self.vocabulary_[cols[j]], round(float(pushes[k, j]), 6)) for j in order]
        probabilities = {c: float(p) for c, p in zip(self.classes_, proba)}
        return Explanation(label=label, probabilities=probabilities, terms=terms)

    def concept_features(self) -> list[str]:
        """The bilingual concept features the model uses."""
        self._check_fitted("vocabulary_")
        return [t for t in self.vocabulary_ if t.startswith(CONCEPT_PREFIX)]

    def to_sklearn(self) -> Any:
        """The equivalent scikit-learn ``Pipeline`` (TF-IDF + logistic regression, uncalibrated).

        Its ``decision_function`` equals ours; its ``predict_proba`` equals ours
        when ``temperature_`` is 1, except for paragraphs with no known feature
        (empty, only stopwords or platform names), which we define as ``other``
        and the pipeline scores by its intercepts alone.
        """
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        self._ensure_ready()
        vectorizer = TfidfVectorizer(
            analyzer=self._analyzer(), lowercase=False, token_pattern=None,
            vocabulary=self.vocabulary_, sublinear_tf=self.sublinear_tf, dtype=np.float64,
        )  # fmt: skip
        vectorizer.fit(["placeholder"])  # fixed vocabulary: sets it up without learning
        vectorizer.idf_ = self.idf_
        model = LogisticRegression(C=self.C)
        model.classes_ = np.asarray(self.classes_)
        if len(self.classes_) == 2:  # scikit-learn's binary form: one row, class 1 vs class 0
            model.coef_ = (self.coef_[1] - self.coef_[0]).reshape(1, -1)
            model.intercept_ = np.array([self.intercept_[1] - self.intercept_[0]])
        else:
            model.coef_ = self.coef_.copy()
            model.intercept_ = self.intercept_.copy()
        model.n_features_in_ = len(self.vocabulary_)
        return Pipeline([("tfidf", vectorizer), ("model", model)])

    # -- model store -----------------------------------------------------------------
    def _to_store(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        self._check_fitted("coef_")
        params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.get_params().items()}
        config = {
            "params": params,
            "classes": self.classes_,
            "label_classes": self.label_classes_,
            "temperature": self.temperature_,
        }
        arrays = {
            "vocabulary": np.asarray(self.vocabulary_, dtype=np.str_),
            "idf": self.idf_,
            "coef": self.coef_,
            "intercept": self.intercept_,
            "label_coef": self.label_coef_,
            "label_intercept": self.label_intercept_,
        }
        return config, arrays

    @classmethod
    def _from_store(cls, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> ThemeClassifier:
        params = dict(config["params"])
        params["ngram_range"] = tuple(params["ngram_range"])
        # models saved before these settings existed were trained without them
        params.setdefault("lexicon_prior", 0.0)
        params.setdefault("ignore_platform_names", False)
        model = cls(**params)
        model.classes_ = list(config["classes"])
        model.label_classes_ = list(config["label_classes"])
        model.temperature_ = float(config["temperature"])
        model.vocabulary_ = arrays["vocabulary"].tolist()
        model.idf_ = np.asarray(arrays["idf"], dtype=np.float64)
        model.coef_ = np.ascontiguousarray(arrays["coef"], dtype=np.float64)
        model.intercept_ = np.asarray(arrays["intercept"], dtype=np.float64)
        model.label_coef_ = np.asarray(arrays["label_coef"], dtype=np.float64)
        model.label_intercept_ = np.asarray(arrays["label_intercept"], dtype=np.float64)
        model.n_features_ = len(model.vocabulary_)
        _check_shapes(model)
        model._prepare()
        return model


def _check_shapes(model: ThemeClassifier) -> None:
    n_classes, n_features = len(model.classes_), len(model.vocabulary_)
    expected = {
        "idf": (model.idf_.shape, (n_features,)),
        "coef": (model.coef_.shape, (n_classes, n_features)),
        "intercept": (model.intercept_.shape, (n_classes,)),
        "label_coef": (model.label_coef_.shape, (len(model.label_classes_), n_features)),
    }
    for name, (got, want) in expected.items():
        if got != want:
            raise InputError(f"stored array {name!r} has shape {got}, expected {want}; the model files disagree")


def _multinomial_form(coef: np.ndarray, intercept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One row of coefficients per class, also for scikit-learn's binary (one-row) form."""
    coef = np.asarray(coef, dtype=np.float64)
    intercept = np.asarray(intercept, dtype=np.float64)
    if coef.shape[0] == 1:
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    return np.ascontiguousarray(coef), intercept
