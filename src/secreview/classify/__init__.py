"""The trained paragraph classifier: tokens → TF-IDF → calibrated linear model.

Training (``train.py``) needs scikit-learn; scanning (``predict.py``, ``check.py``) needs only
numpy and jieba, both loaded lazily and once per process.
"""

from __future__ import annotations

PUBLIC = "public"
# Order is part of the model format: row k of the coefficient matrix is LABELS[k].
LABELS: tuple[str, ...] = (
    "public",
    "internal_affairs",
    "process_info",
    "enforcement_case",
    "personal_info",
    "state_secret",
)
NON_PUBLIC: tuple[str, ...] = tuple(label for label in LABELS if label != PUBLIC)

LABELS_ZH = {
    "public": "可公开信息",
    "internal_affairs": "内部事务信息",
    "process_info": "过程性信息",
    "enforcement_case": "行政执法案卷信息",
    "personal_info": "个人信息",
    "state_secret": "国家秘密类内容",
}

# Segments shorter than this (non-space characters) are not scored: titles, dates, signatures.
MIN_CHARS = 12
