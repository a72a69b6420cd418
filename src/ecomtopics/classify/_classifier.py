"""The theme classifier: operations, o2o, channel, merchant_services or other.

One model for Chinese and English. Two views of a paragraph, each weighted by
TF-IDF and normalised on its own: our tokens (platform names left out) plus
bilingual concept features (``线下`` and ``offline`` share ``@offline_retail``),
and character n-grams, which need no token list (:mod:`._chars`). A
multinomial logistic regression over both gives the main theme, with a fixed
push from the concept lexicon towards each concept's theme (an ensemble with
the keyword rule), calibrated by a temperature fitted on cross-validated
scores; one binary logistic regression per theme gives the multi-label view.
Trained on whole passages, a second stage (:mod:`._context`, fitted and
applied by :mod:`._document`) relabels each paragraph of a document from the
paragraphs around it (:meth:`ThemeClassifier.predict_proba_in_context`).
Scoring runs on the fitted arrays with numpy only (no scikit-learn import,
:mod:`._scorer`), which keeps one-paragraph calls fast and loading light; :meth:`ThemeClassifier.to_sklearn` rebuilds the equivalent
scikit-learn pipeline.

>>> clf = ThemeClassifier(calibrate=False).fit(
...     ["线下门店与天猫打通", "offline stores join Tmall", "服务商帮助商家", "service providers help merchants"],
...     ["o2o", "o2o", "merchant_services", "merchant_services"])
>>> clf.predict(["天猫的线下门店", "a new service provider"])
['o2o', 'merchant_services']
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

import numpy as np

from .._errors import InputError
from .._estimator import EstimatorMixin
from .._validation import Interval, IntPair, Options, check_text, check_texts
from ..features import CONCEPT_PREFIX, Analyzer, _identity
from ..tokenize._lexicons import (
    CarriesLexicons,
    package_lexicons,
)
from ._chars import CharNgrams
from ._document import DocumentStage, _check_groups, _fit_temperature, _with_secondary
from ._scorer import OTHER, _multinomial_form
from ._storage import _class_array, classifier_from_store, classifier_to_store

__all__ = ["Explanation", "ThemeClassifier"]

logger = logging.getLogger(__name__)


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
        magnitude first. ``@name`` features are bilingual concepts, ``~xyz``
        character n-grams.
    """

    label: str
    probabilities: dict[str, float]
    terms: dict[str, list[tuple[str, float]]] = field(default_factory=dict)


class ThemeClassifier(DocumentStage, CarriesLexicons, EstimatorMixin):
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
    char_ngrams : (int, int) or None
        Sizes of the character n-grams of the second view (``None``: words
        and concepts only).
    char_weight : float
        Weight of the character view against the word view (each is
        L2-normalised on its own).
    char_min_df : int
        Keep character n-grams seen in at least this many training paragraphs.
    context : bool
        When :meth:`fit` gets ``groups`` (passages), also learn the second
        stage that labels a paragraph from the document around it.
    context_C : float
        Inverse regularisation strength of that second stage.
    context_document : bool
        The second stage also reads the rest of the document as one text
        (the document's counts minus the paragraph's, scored by the first
        stage), not only the other paragraphs' probabilities.
    secondary_weight : float
        When :meth:`fit` gets ``labels``, each paragraph also teaches the
        main model its other listed themes, at this weight in all (shared
        among them; the main theme has weight 1). Such a paragraph is
        right for either theme, and this keeps the model from learning that
        the second theme is wrong there. 0 trains on the main theme only.
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
    classes_ : ndarray of str, shape (n_classes,)
        The themes, in the column order of :meth:`predict_proba`
        (``clf.classes_[proba.argmax(axis=1)]`` are the predicted themes).
    vocabulary_ : list of str
        Word and concept feature names, in column order.
    feature_names_ : list of str
        Every column of ``coef_``: ``vocabulary_``, then the character
        n-grams (prefixed ``~``).
    idf_, char_idf_, coef_, intercept_ : ndarray
        TF-IDF weights of both views and the main model's coefficients.
    context_coef_, context_intercept_ : ndarray or None
        The second stage (None when it was not trained).
    temperature_ : float
        Calibration temperature (1.0 when ``calibrate=False``).
    label_classes_, label_coef_, label_intercept_ :
        The per-theme binary models behind :meth:`predict_labels`.
    """

    _estimator_type: ClassVar[str] = "classifier"
    _requires_y: ClassVar[bool] = True
    _store_kind: ClassVar[str] = "theme-classifier"
    # 2: lexicon_prior and ignore_platform_names (1 loads with both off);
    # 3: character view and context stage (1 and 2 load without them);
    # 4: stored with its lexicons (lexicons/*; older formats load with the package's if they match)
    # 5: context_document (older formats load with it off)
    # 6: vocabulary as UTF-8 bytes and end offsets (older formats keep a unicode array)
    _store_format: ClassVar[int] = 6
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "C": [Interval("real", 0, None, closed="neither")],
        "concepts": [bool],
        "lexicon_prior": [Interval("real", 0, None)],
        "ignore_platform_names": [bool],
        "char_ngrams": [IntPair(1, 3), None],
        "char_weight": [Interval("real", 0, None, closed="neither")],
        "char_min_df": [Interval("int", 1, None)],
        "context": [bool],
        "context_C": [Interval("real", 0, None, closed="neither")],
        "context_document": [bool],
        "secondary_weight": [Interval("real", 0, 1)],
        "ngram_range": [IntPair(1, 4)],
        "min_df": [Interval("int", 1, None), Interval("float", 0, 1)],
        "sublinear_tf": [bool],
        "class_weight": [Options({"balanced"}), None],
        "calibrate": [bool],
        "multilabel_threshold": [Interval("real", 0, 1, closed="neither")],
        "tokenizer_params": [dict, None],
        "max_iter": [Interval("int", 1, None)],
        "random_state": [Interval("int", 0, 2**32 - 1), None],
    }

    def __init__(
        self,
        C: float = 10.0,
        concepts: bool = True,
        lexicon_prior: float = 2.0,
        ignore_platform_names: bool = True,
        char_ngrams: tuple[int, int] | None = (1, 3),
        char_weight: float = 1.0,
        char_min_df: int = 2,
        context: bool = True,
        context_C: float = 1.0,
        context_document: bool = True,
        secondary_weight: float = 0.25,
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
        self.char_ngrams = char_ngrams
        self.char_weight = char_weight
        self.char_min_df = char_min_df
        self.context = context
        self.context_C = context_C
        self.context_document = context_document
        self.secondary_weight = secondary_weight
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
        return Analyzer(
            self.tokenizer_params,
            cast("tuple[int, int]", tuple(self.ngram_range)),
            concepts=self.concepts,
            ignore_platform_names=self.ignore_platform_names,
            lexicons=getattr(self, "lexicons_", None),
        )

    def fit(
        self,
        X: Iterable[str],
        y: Iterable[str],
        *,
        labels: Iterable[Iterable[str]] | None = None,
        groups: Iterable[Any] | None = None,
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
        groups : iterable, optional
            The passage each paragraph belongs to (``None`` for a paragraph
            on its own); the paragraphs of a passage must come in reading
            order. Cross-validation for calibration keeps a passage in one
            fold, and with ``context=True`` the passages teach the second
            stage (:meth:`predict_proba_in_context`).
        """
        from sklearn.linear_model import LogisticRegression

        self._validate_params()
        self.lexicons_ = package_lexicons()
        texts = check_texts(X, name="X", allow_empty=False)
        self._forget_source()
        if isinstance(y, str):
            from .._errors import InputTypeError  # a TypeError too

            raise InputTypeError("y must be an iterable of labels, not a single string")
        y = [str(v) for v in y]
        if len(y) != len(texts):
            raise InputError(f"X has {len(texts)} texts but y has {len(y)} labels")
        classes = sorted(set(y))
        if len(classes) < 2:
            raise InputError(f"need at least two themes to learn from, got {classes}")
        multi = (
            [list(ls) for ls in labels]
            if labels is not None
            else [[v] if v != OTHER else [] for v in y]
        )
        if len(multi) != len(texts):
            raise InputError(f"X has {len(texts)} texts but labels has {len(multi)} entries")
        group_of = _check_groups(groups, len(texts))

        matrix, n_tokens, counts = self._fit_features(texts)
        model = LogisticRegression(
            C=self.C,
            max_iter=self.max_iter,
            class_weight=self.class_weight,
            random_state=self.random_state,
        )
        rows, targets, weights = _with_secondary(y, multi, float(self.secondary_weight))
        model.fit(matrix[rows], targets, sample_weight=weights)
        self.classes_ = _class_array(model.classes_)
        coef, self.intercept_ = _multinomial_form(model.coef_, model.intercept_)
        prior = self._lexicon_prior_matrix()
        self.coef_ = np.ascontiguousarray(coef + prior)
        with_context = self.context and groups is not None
        found = (
            self._out_of_fold_scores(
                matrix,
                y,
                prior,
                group_of,
                multi,
                counts if with_context and self.context_document else None,
            )
            if self.calibrate or with_context  # only these use them
            else None
        )
        oof, rest_oof = found if found is not None else (None, None)
        self.temperature_ = (
            _fit_temperature(oof, y, self.classes_) if self.calibrate and oof is not None else 1.0
        )
        self.context_coef_, self.context_intercept_ = None, None
        if self.context and groups is not None and oof is not None:
            self._fit_context(oof, y, n_tokens, group_of, rest_oof)

        label_classes = [c for c in self.classes_ if c != OTHER]
        label_coef, label_intercept = [], []
        for theme in label_classes:
            target = np.array([theme in ls for ls in multi], dtype=int)
            if target.min() == target.max():
                raise InputError(
                    f"theme {theme!r}: every or no paragraph has it in labels; cannot learn it"
                )
            binary = LogisticRegression(
                C=self.C, max_iter=self.max_iter, random_state=self.random_state
            )
            binary.fit(matrix, target)
            label_coef.append(binary.coef_[0])
            label_intercept.append(binary.intercept_[0])
        self.label_classes_ = label_classes
        self.label_coef_ = np.asarray(label_coef, dtype=np.float64).reshape(len(label_classes), -1)
        self.label_intercept_ = np.asarray(label_intercept, dtype=np.float64)
        self.n_features_ = matrix.shape[1]
        self._prepare()
        logger.info(
            "trained on %d paragraphs, %d features, temperature %.3f, context stage %s",
            len(texts),
            self.n_features_,
            self.temperature_,
            "on" if self.context_coef_ is not None else "off",
        )
        return self

    def _fit_features(self, texts: list[str]) -> tuple[Any, np.ndarray, Any]:
        """Learn both views' vocabularies and IDF; the training matrix, each paragraph's token
        count, and the raw counts behind the matrix (as :meth:`_features_and_counts` gives them)."""
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

        analyzer = self._analyzer()
        docs = [analyzer(t) for t in texts]
        # counts, then TF-IDF (what TfidfVectorizer does in one step): the counts are kept
        counter = CountVectorizer(
            analyzer=_identity, lowercase=False, min_df=self.min_df, dtype=np.float64
        )
        try:
            counts = counter.fit_transform(docs)
        except ValueError as exc:
            raise InputError(
                f"empty vocabulary: no features in the {len(texts)} training texts ({exc}); "
                "perhaps they contain only stopwords, punctuation or platform names"
            ) from None
        words = TfidfTransformer(sublinear_tf=self.sublinear_tf)
        matrix = words.fit_transform(counts)
        self.vocabulary_ = [str(t) for t in counter.get_feature_names_out()]
        self.idf_ = words.idf_.astype(np.float64)
        # features per paragraph as scoring counts them (features below min_df are not counted)
        n_tokens = np.asarray(counts.sum(axis=1), dtype=np.float64).ravel()
        self.char_keys_, self.char_sizes_, self.char_idf_ = None, None, None
        if self.char_ngrams is not None:
            chars = CharNgrams(tuple(self.char_ngrams), min_df=self.char_min_df).fit(texts)  # type: ignore[arg-type]
            self.char_keys_, self.char_sizes_ = chars.vocabulary_arrays()
            if len(chars):
                char_counts = chars.transform(texts)
                tfidf = TfidfTransformer(sublinear_tf=self.sublinear_tf)
                char_matrix = tfidf.fit_transform(char_counts)
                self.char_idf_ = tfidf.idf_.astype(np.float64)
                matrix = hstack([matrix, self.char_weight * char_matrix], format="csr")
                # as scoring counts them: a paragraph without word features has no character view
                scored = char_counts.multiply((n_tokens > 0)[:, None]).tocsr()
                counts = hstack([counts, scored], format="csr")
            else:
                self.char_idf_ = np.empty(0, dtype=np.float64)
        self._idf_all = (
            np.concatenate([self.idf_, self.char_idf_]) if self.char_idf_ is not None else self.idf_
        )
        return matrix, n_tokens, counts

    def _lexicon_prior_matrix(self) -> np.ndarray:
        """(classes, all columns): ``lexicon_prior`` where a concept feature meets its theme, else 0."""
        n_chars = len(self.char_keys_) if getattr(self, "char_keys_", None) is not None else 0
        prior = np.zeros((len(self.classes_), len(self.vocabulary_) + n_chars))
        if self.lexicon_prior:
            theme_of = (getattr(self, "lexicons_", None) or package_lexicons()).concept_themes()
            row = {c: k for k, c in enumerate(self.classes_)}
            for j, feature in enumerate(self.vocabulary_):
                if feature.startswith(CONCEPT_PREFIX) and theme_of.get(feature[1:]) in row:
                    prior[row[theme_of[feature[1:]]], j] = self.lexicon_prior
        return prior

    def transform(self, X: Iterable[str]) -> Any:
        """The TF-IDF feature matrix (scipy CSR) the model scores: words and concepts, then character n-grams."""
        self._ensure_ready()
        matrix = self._matrix(check_texts(X, name="X"))
        matrix.sort_indices()
        return matrix

    def decision_function(self, X: Iterable[str]) -> np.ndarray:
        """Uncalibrated scores, one column per class (as scikit-learn's)."""
        self._ensure_ready()
        texts = check_texts(X, name="X")
        if len(texts) <= 4:  # a few small numpy calls a text beat building a sparse matrix
            return np.array([self._scores_one(t)[0] for t in texts], dtype=np.float64).reshape(
                len(texts), -1
            )
        return self._batch_scores(texts, self._coef_t)[0] + self.intercept_

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Calibrated probabilities, columns in the order of ``classes_``.

        A paragraph with no known word or concept feature (empty, only
        stopwords, platform names or unseen words) gets probability 1 for
        ``other`` (uniform if the model has no ``other`` class).
        """
        self._ensure_ready()
        texts = check_texts(X, name="X")
        proba = np.empty((len(texts), len(self.classes_)))
        for start in range(0, len(texts), 4096):
            chunk = texts[start : start + 4096]
            if len(chunk) <= 4:  # one paragraph per call: no sparse matrix
                proba[start : start + len(chunk)] = np.array(
                    [self._proba_one(t) for t in chunk]
                ).reshape(len(chunk), -1)
            else:
                scores, n_tokens = self._batch_scores(chunk, self._coef_t)
                proba[start : start + len(chunk)] = self._softmax(
                    scores + self.intercept_, n_tokens == 0
                )
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
        return self.classes_[int(proba.argmax())], proba

    def predict_labels(self, X: Iterable[str], threshold: float | None = None) -> list[list[str]]:
        """Every theme each paragraph substantially discusses, most likely first.

        A theme is kept when its binary model's probability reaches
        ``threshold`` (default ``multilabel_threshold``); ``["other"]`` when
        none does.
        """
        self._ensure_ready()
        threshold = self._threshold(threshold)
        scores, _ = self._batch_scores(check_texts(X, name="X"), self.label_coef_.T)
        return self._labels_from_scores(scores, threshold)

    def _threshold(self, threshold: float | None) -> float:
        threshold = self.multilabel_threshold if threshold is None else threshold
        if not 0.0 < threshold < 1.0:
            raise InputError(f"threshold must be in (0, 1), got {threshold!r}")
        return threshold

    def _labels_from_matrix(self, matrix: Any, threshold: float) -> list[list[str]]:
        return self._labels_from_scores(np.asarray(matrix @ self.label_coef_.T), threshold)

    def _labels_from_scores(self, scores: np.ndarray, threshold: float) -> list[list[str]]:
        """Themes of each row of the binary models' scores (intercepts not yet added)."""
        proba = 1.0 / (1.0 + np.exp(-(scores + self.label_intercept_)))
        out = []
        for row in proba:
            order = np.argsort(-row, kind="stable")
            themes = [self.label_classes_[j] for j in order if row[j] >= threshold]
            out.append(themes or [OTHER])
        return out

    def predict_proba_and_labels(
        self, X: Iterable[str], threshold: float | None = None, *, in_context: bool = False
    ) -> tuple[np.ndarray, list[list[str]]]:
        """:meth:`predict_proba` and :meth:`predict_labels` together, tokenizing each text once.

        With ``in_context``, ``X`` are the paragraphs of one document and the
        probabilities are :meth:`predict_proba_in_context`'s.
        """
        self._ensure_ready()
        threshold = self._threshold(threshold)
        texts = check_texts(X, name="X")
        if in_context and self._reads_rest_of_document:  # the context stage reads raw counts
            matrix, n_tokens, counts = self._features_and_counts(texts, with_counts=True)
            proba = self._in_context(self._proba_of_matrix(matrix, n_tokens == 0), n_tokens, counts)
            return proba, self._labels_from_matrix(matrix, threshold)
        k = len(self.classes_)
        scores, n_tokens = self._batch_scores(texts, self._coef_and_label_coef_t())
        proba = self._softmax(scores[:, :k] + self.intercept_, n_tokens == 0)
        if in_context:
            proba = self._in_context(proba, n_tokens, None)
        return proba, self._labels_from_scores(scores[:, k:], threshold)

    def _coef_and_label_coef_t(self) -> np.ndarray:
        """Both models' coefficients side by side (features x (classes + labels)), kept."""
        both = getattr(self, "_both_coef_t", None)
        if both is None:
            both = self._both_coef_t = np.ascontiguousarray(
                np.hstack([self._coef_t, self.label_coef_.T])
            )
        return both

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
        names = self.feature_names_
        terms = {}
        for k, theme in enumerate(self.classes_):
            order = np.lexsort((cols, -np.abs(pushes[k])))[:top_n]
            terms[theme] = [(names[cols[j]], round(float(pushes[k, j]), 6)) for j in order]
        probabilities = {c: float(p) for c, p in zip(self.classes_, proba)}
        return Explanation(label=label, probabilities=probabilities, terms=terms)

    def concept_features(self) -> list[str]:
        """The bilingual concept features the model uses."""
        self._check_fitted("vocabulary_")
        return [t for t in self.vocabulary_ if t.startswith(CONCEPT_PREFIX)]

    # -- model store -----------------------------------------------------------------
    def _to_store(
        self,
    ) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, bytes]]:
        return classifier_to_store(self)

    @classmethod
    def _from_store(
        cls,
        config: dict[str, Any],
        arrays: dict[str, np.ndarray],
        files: dict[str, bytes] | None = None,
    ) -> ThemeClassifier:
        return classifier_from_store(cls, config, arrays, files)
