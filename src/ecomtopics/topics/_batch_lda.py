"""gensim's ``LdaModel`` trained with the batch E-step (imported when a model is trained)."""

from __future__ import annotations

from typing import Any

import numpy as np
from gensim.models import LdaModel

from ._inference import lda_inference

__all__ = ["BatchLdaModel"]


class BatchLdaModel(LdaModel):
    """``LdaModel`` whose E-step (``inference``) runs on a whole chunk at once.

    Same start draws, update and stopping rule as gensim's, so training follows
    gensim's up to floating-point rounding (see :mod:`._inference`).
    """

    def inference(
        self, chunk: Any, collect_sstats: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None]:
        return lda_inference(self, chunk, collect_sstats)
