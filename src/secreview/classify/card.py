"""The model card as Markdown (model_card.md), rendered from model_card.json's content."""

from __future__ import annotations

from typing import Any

from secreview.classify import LABELS, LABELS_ZH, NON_PUBLIC


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def _prf_rows(per: dict[str, dict[str, float]], labels: tuple[str, ...]) -> list[list[Any]]:
    return [
        [
            f"{label} ({LABELS_ZH[label]})",
            f"{per[label]['precision']:.4f}",
            f"{per[label]['recall']:.4f}",
            f"{per[label]['f1']:.4f}",
            per[label]["support"],
        ]
        for label in labels
    ]


def card_markdown(card: dict[str, Any]) -> str:
    data, held, cv = card["data"], card["held_out"], card["cv_5fold_grouped"]
    fa = card["false_alarms"]
    lines = [
        "# secreview paragraph classifier — model card",
        "",
        f"Model: {card['model']}. Labels: {', '.join(card['labels'])}.",
        "Features: jieba words (HMM off, domain user dictionary, jieba dict reduced to "
        f"freq >= {card['training']['tokenizer']['min_freq']}) and character "
        f"{card['training']['char_ngrams'][0]}–{card['training']['char_ngrams'][1]}-grams, "
        "TF-IDF (sublinear tf, L2 per block).",
        "Files load without unpickling (JSON + .npy with allow_pickle=False), each checked "
        "against manifest.json; the model hash is the sha256 of manifest.json "
        "(`secreview model info`).",
        "",
        "## Data",
        "",
        f"Shared public data used: {'yes' if data['shared_used'] else 'NO (corpus/ only)'}. "
        f"Split: {data['split']}. Dropped: "
        + (", ".join(f"{k} {v}" for k, v in data["dropped"].items()) or "none")
        + ".",
        "",
    ]
    rows = []
    for name, info in data["sources"].items():
        detail = (
            ", ".join(f"{k} {v}" for k, v in info["labels"].items())
            if "labels" in info
            else f"train {info['paragraphs_train_used']}/{info['paragraphs_train_pool']}, "
            f"test {info['paragraphs_test_used']}/{info['paragraphs_test_pool']} paragraphs"
        )
        rows.append([name, info["records"], detail, f"`{info['sha256'][:16]}…`"])
    lines += _table(["file", "records", "used", "sha256"], rows)
    lines += ["", "Paragraphs per label (after de-duplication):", ""]
    lines += _table(
        ["label", "train", "test"],
        [
            [label, data["train"]["labels"][label], data["test"]["labels"][label]]
            for label in LABELS
        ],
    )
    lines += [
        "",
        "## Held-out split",
        "",
        f"Arg-max classification: accuracy {held['argmax']['accuracy']:.4f}, "
        f"macro F1 {held['argmax']['macro_f1']:.4f}.",
        "",
    ]
    lines += _table(["class", "P", "R", "F1", "n"], _prf_rows(held["argmax"]["per_class"], LABELS))
    lines += ["", "Detection at the thresholds (what `scan` reports):", ""]
    lines += _table(["class", "P", "R", "F1", "n"], _prf_rows(held["at_threshold"], NON_PUBLIC))
    cm = held["argmax"]["confusion_matrix"]["rows_true_cols_pred"]
    lines += ["", "Confusion matrix (rows = true, columns = predicted):", ""]
    lines += _table(["true \\ pred", *LABELS], [[LABELS[i], *row] for i, row in enumerate(cm)])
    lines += [
        "",
        "## 5-fold grouped cross-validation (training side)",
        "",
        f"Arg-max macro F1 {cv['argmax']['macro_f1']:.4f}; per fold: "
        + ", ".join(f"{x:.4f}" for x in cv["fold_macro_f1"])
        + ".",
        "",
    ]
    lines += _table(["class", "P", "R", "F1", "n"], _prf_rows(cv["argmax"]["per_class"], LABELS))
    lines += ["", "At the thresholds:", ""]
    lines += _table(["class", "P", "R", "F1", "n"], _prf_rows(cv["at_threshold"], NON_PUBLIC))
    lines += [
        "",
        "## Thresholds and why",
        "",
        card["threshold_choice"]["rule"] + ".",
        "Thresholds are tuned on the held-out split, so its at-threshold figures are optimistic; "
        "the cross-validation figures above use the same thresholds on out-of-fold scores.",
        "",
    ]
    why = card["threshold_choice"]["per_class"]
    lines += _table(
        ["class", "threshold", "F2 held-out", "false alarms on real public", "documents flagged"],
        [
            [
                label,
                f"{card['thresholds'][label]:.3f}",
                f"{why[label]['f2']:.4f}",
                f"{why[label]['false_alarm_real_public']:.2%}",
                f"{why[label].get('document_false_alarm', 0.0):.2%}",
            ]
            for label in NON_PUBLIC
        ],
    )
    doc = card.get("document_false_alarms")
    if doc and doc["documents"]:
        lines += [
            "",
            "## Document-level false alarms (what an office user sees)",
            "",
            f"Basis: {doc['basis']} — {doc['documents']} documents, {doc['paragraphs']} "
            f"paragraphs; documents with any flagged paragraph: **{doc['flagged']} = "
            f"{doc['rate']:.2%}** (budget {doc['budget']:.0%}).",
            "",
            "Because these documents also chose the thresholds, the figure is optimistic; "
            "cross-fitted (thresholds chosen on one random half of the documents, counted on "
            f"the other half, both ways): **{doc['cross_fitted_flagged']} = "
            f"{doc['cross_fitted_rate']:.2%}**.",
            "",
        ]
        lines += _table(
            ["source (held-out documents)", "documents", "paragraphs", "flagged", "share"],
            [
                [k, v["documents"], v["paragraphs"], v["flagged"], f"{v['rate']:.2%}"]
                for k, v in doc["by_source"].items()
            ],
        )
        raised = [label for label in NON_PUBLIC if why[label].get("raised_for_documents")]
        lines += [
            "",
            "Trade-off: a long law has hundreds of paragraphs, so a paragraph-level false-alarm "
            "rate that looks small (0.2 %) can still flag one law in five — the model trained on "
            "2,500 law paragraphs did, mostly as enforcement_case on ordinary statute wording "
            "(当事人、证据、「（一）是本案当事人…的；」). Two things hold it down: training on many "
            "more published paragraphs (see Data), so the model learns that wording is public, "
            "and the document budget, which raises a class's threshold only where needed, at the "
            "price of recall on the written non-public paragraphs (the per-class P/R above are "
            "at the final thresholds). "
            + (
                "In this model the document budget raised the thresholds of: "
                + ", ".join(raised)
                + "."
                if raised
                else "In this model the paragraph-level choice already met the document budget; "
                "no threshold had to be raised for it."
            )
            + " Documents flagged are counted by bench/eval_public_docs.py over whole laws and "
            "reports through the full pipeline (rules too).",
        ]
    lines += [
        "",
        "## False alarms on real public text",
        "",
        f"Basis: {fa['basis']} — {fa['paragraphs']} paragraphs; share flagged by any class: "
        f"**{fa['rate']:.2%}** (budget {fa['budget']:.0%}).",
        "",
    ]
    lines += _table(
        ["public source (held-out)", "paragraphs", "flagged"],
        [
            [k, v["paragraphs"], f"{v['false_alarm_rate']:.2%}"]
            for k, v in fa["by_public_source"].items()
        ],
    )
    lines += [
        "",
        "Reproduce: `secreview train` (defaults: --corpus corpus/ --shared ../shared/data "
        "--out models/default). The output is byte-identical only with the same library "
        "versions (constraints.txt pins them):",
        "",
    ]
    env = card.get("environment", {})
    lines += _table(["library", "version"], [[k, v] for k, v in sorted(env.items())]) + [""]
    return "\n".join(lines)
