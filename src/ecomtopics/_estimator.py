"""A light base for our estimators: scikit-learn's parameter conventions without importing it.

scikit-learn's ``BaseEstimator`` costs about a second to import, which would make
``load_model`` slow even though scoring a loaded model needs only numpy. This
mixin gives the same contract (``get_params``/``set_params`` from ``__init__``'s
signature, so ``sklearn.base.clone``, ``Pipeline`` and ``GridSearchCV`` work,
and ``__sklearn_tags__`` built lazily when scikit-learn asks for it).
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from ._errors import InputError, NotFittedError
from ._validation import validate_params

__all__ = ["EstimatorMixin"]


class EstimatorMixin:
    """``get_params``/``set_params``/``__repr__`` and tags, following scikit-learn."""

    _estimator_type: ClassVar[str] = "transformer"
    _requires_y: ClassVar[bool] = False
    _param_names_cache: ClassVar[list[str]]  # set per class by _param_names (annotation only)
    #: What each parameter accepts (see :func:`._validation.validate_params`); checked by ``fit``.
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {}

    @classmethod
    def _param_names(cls) -> list[str]:
        names = cls.__dict__.get("_param_names_cache")
        if names is None:
            import inspect  # slow to import: only when parameters are first asked for

            sig = inspect.signature(cls.__init__)
            names = sorted(
                p.name
                for p in sig.parameters.values()
                if p.name != "self" and p.kind != p.VAR_KEYWORD
            )
            cls._param_names_cache = names
        return list(names)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters of this estimator (``deep`` is accepted for scikit-learn)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Self:
        """Set parameters; unknown names raise ``ValueError`` as in scikit-learn."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise InputError(
                    f"invalid parameter {name!r} for {type(self).__name__}; valid: {valid}"
                )
            setattr(self, name, value)
        self._forget_source()
        return self

    def _validate_params(self) -> None:
        """Check every parameter against ``_parameter_constraints``, naming the bad value."""
        validate_params(self.get_params(), self._parameter_constraints, type(self).__name__)

    def _forget_source(self) -> None:
        """Drop ``source_`` (the stored version it was loaded from): after a refit or new
        parameters the model no longer is that version, so workers must not reload it."""
        self.__dict__.pop("source_", None)

    def __repr__(self) -> str:
        import inspect

        defaults = {
            p.name: p.default
            for p in inspect.signature(type(self).__init__).parameters.values()
            if p.default is not inspect.Parameter.empty
        }
        changed = {
            k: v for k, v in self.get_params().items() if k not in defaults or defaults[k] != v
        }
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def __sklearn_tags__(self) -> Any:
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags, TransformerTags

        tags = Tags(
            estimator_type=self._estimator_type,
            target_tags=TargetTags(required=self._requires_y),
            transformer_tags=TransformerTags() if self._estimator_type == "transformer" else None,
            classifier_tags=ClassifierTags() if self._estimator_type == "classifier" else None,
        )
        tags.input_tags = InputTags(one_d_array=True, two_d_array=False, string=True)
        return tags

    def _check_fitted(self, attribute: str) -> None:
        if not hasattr(self, attribute):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit(...) first or load a trained "
                f"model with ecomtopics.load_model(...)"
            )
