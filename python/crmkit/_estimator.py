"""scikit-learn conventions for crmkit's models, without depending on scikit-learn.

A model's ``__init__`` only stores its parameters under their own names; ``get_params`` and
``set_params`` read and write exactly those, so ``sklearn.base.clone``, ``cross_val_score``,
``GridSearchCV`` and pipelines work. Fitted attributes end in ``_`` and are set by ``fit``.
scikit-learn is imported only when scikit-learn itself asks for the tags.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar, TypeVar

from crmkit import _crmkit, _frames

_E = TypeVar("_E", bound="Estimator")


class Estimator:
    """Mixin: ``get_params`` / ``set_params`` from the constructor's signature, and tags."""

    #: "classifier" for models that predict classes, None for the probabilistic CLV models.
    _estimator_type: ClassVar[str | None] = None
    #: Whether ``fit`` needs a target ``y``.
    _requires_y: ClassVar[bool] = False

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return sorted(
            name
            for name, p in signature.parameters.items()
            if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        )

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's parameters (name → value), as scikit-learn expects.

        Examples:
            >>> import crmkit
            >>> crmkit.BgNbd(penalty=0.001).get_params()["penalty"]
            0.001
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self: _E, **params: Any) -> _E:
        """Sets constructor parameters by name and returns self (for grid searches).

        Raises:
            crmkit.ConfigError: naming the first parameter the model does not have.

        Examples:
            >>> import crmkit
            >>> crmkit.BgNbd().set_params(penalty=0.01).penalty
            0.01
        """
        valid = set(self._param_names())
        for name, value in params.items():
            if name not in valid:
                raise _frames._error(
                    _crmkit.ConfigError,
                    f"invalid `{name}`: {type(self).__name__} has no such parameter (expected one of {sorted(valid)})",
                    name,
                )
            setattr(self, name, value)
        return self

    def __sklearn_tags__(self) -> Any:
        # Called only by scikit-learn (>= 1.6), so it is installed whenever this runs.
        from sklearn.utils import ClassifierTags, Tags, TargetTags

        classifier = self._estimator_type == "classifier"
        return Tags(
            estimator_type=self._estimator_type,
            target_tags=TargetTags(required=self._requires_y),
            classifier_tags=ClassifierTags() if classifier else None,
        )
