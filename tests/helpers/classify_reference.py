"""The classifier check as it was before batches: one paragraph at a time (the specification).

``ReferenceClassifierCheck.run`` is the former ``ClassifierCheck.run`` (genre floors included): each paragraph's
``LinearModel.features`` (Counter + dict per block, ``predict._block``), then its
probabilities. tests/test_classify_batch.py checks the batch path against it.
"""

from __future__ import annotations

import numpy as np

from secreview.checks import ScanContext
from secreview.classify import LABELS, PUBLIC
from secreview.classify.check import SKIPPED_PARTS, ClassifierCheck, document_genre, get_model
from secreview.classify.corpus import long_enough
from secreview.classify.genre import relaxes
from secreview.model import Document, Finding


class ReferenceClassifierCheck(ClassifierCheck):
    def run(self, doc: Document, ctx: ScanContext) -> list[Finding]:
        model = get_model(self.model_dir)
        genre = document_genre(doc, ctx)
        gid = genre.id if genre is not None else None
        out: list[Finding] = []
        public_scores: list[float] = []
        best: tuple[str, float] | None = None
        for i, seg in enumerate(doc.segments):
            if seg.location.part in SKIPPED_PARTS:
                continue
            norm = ctx.normalized(i).text
            if not long_enough(norm):
                continue
            feats = model.features(norm)
            proba = model.proba_features(feats)
            public_scores.append(float(proba[LABELS.index(PUBLIC)]))
            here = genre if genre is not None and relaxes(gid, norm) else None
            for label, score in model.flagged(proba, here.id if here is not None else None):
                if best is None or score > best[1]:
                    best = (label, score)
                out.append(self._finding(ctx, i, norm, model, feats, label, score, here))
        if best is not None:
            ctx.summary["classifier"] = self._summary(best[0], best[1], model, public_scores, genre)
        elif public_scores:
            mean = float(np.mean(public_scores))
            ctx.summary["classifier"] = self._summary(PUBLIC, mean, model, public_scores, genre)
        return out


def reference_proba(texts: list[str]) -> np.ndarray:
    """Per-paragraph probabilities of normalized ``texts`` with the shipped model."""
    from tests.conftest import REPO

    model = get_model(REPO / "models" / "default")
    k = len(model.labels)
    return np.array([model.proba(t) for t in texts]).reshape(len(texts), k)
