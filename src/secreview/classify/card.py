"""The model card as Markdown (model_card.md), rendered from model_card.json's content."""

from __future__ import annotations

from typing import Any

from secreview.classify import LABELS, LABELS_ZH, NON_PUBLIC


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def _recall_cell(why: dict[str, Any]) -> str:
    if "recall" not in why:
        return ""
    if "recall_floor" not in why:
        return f"{why['recall']:.4f}"
    met = "met" if why.get("recall_floor_met") else "NOT MET"
    return f"{why['recall']:.4f} (≥ {why['recall_floor']:.4f}: {met})"


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
    any_class = held.get("flagged_by_any_class", {})
    rows = _prf_rows(held["at_threshold"], NON_PUBLIC)
    for row, label in zip(rows, NON_PUBLIC, strict=True):
        row.append(f"{any_class[label]:.4f}" if label in any_class else "")
    lines += _table(["class", "P", "R", "F1", "n", "flagged by any class"], rows)
    earlier = held.get("at_threshold_earlier_files")
    if earlier:
        lines += [
            "",
            "The same, on the held-out positives of the written files the earlier model cards "
            "were measured on (without the issue-13 files):",
            "",
        ]
        lines += _table(["class", "P", "R", "F1", "n"], _prf_rows(earlier, NON_PUBLIC))
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
        [
            "class",
            "threshold",
            "F-beta held-out",
            "false alarms on real public",
            "documents flagged",
            "held-out recall (floor)",
        ],
        [
            [
                label,
                f"{card['thresholds'][label]:.3f}",
                f"{why[label].get('f_beta', why[label].get('f2', 0.0)):.4f}",
                f"{why[label]['false_alarm_real_public']:.2%}",
                f"{why[label].get('document_false_alarm', 0.0):.2%}",
                _recall_cell(why[label]),
            ]
            for label in NON_PUBLIC
        ],
    )
    doc = card.get("document_false_alarms")
    if doc and doc["documents"]:
        lines += _document_section(doc, why)
    genres = card.get("genres")
    if genres:
        lines += _genre_section(genres, card["thresholds"])
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


def _doc_rows(blocks: dict[str, dict[str, Any]]) -> list[list[Any]]:
    return [
        [
            k,
            v["documents"],
            v["paragraphs"],
            v["flagged"],
            f"{v['rate']:.2%}",
            v.get("cross_fitted_flagged", ""),
        ]
        for k, v in blocks.items()
    ]


def _document_section(doc: dict[str, Any], why: dict[str, Any]) -> list[str]:
    head = ["documents", "paragraphs", "flagged", "share", "cross-fitted flagged"]
    lines = [
        "",
        "## Document-level false alarms (what an office user sees)",
        "",
        f"Basis: {doc['basis']} — {doc['documents']} documents, {doc['paragraphs']} "
        f"paragraphs; documents with any flagged paragraph: **{doc['flagged']} = "
        f"{doc['rate']:.2%}** (budgets: {doc['budget']:.0%} per source, "
        f"{doc.get('pooled_budget', doc['budget']):.1%} over all).",
        "",
        "Because these documents also chose the thresholds, the figure is optimistic; "
        "cross-fitted (thresholds chosen on one random half of the documents, counted on "
        f"the other half, both ways): **{doc['cross_fitted_flagged']} = "
        f"{doc['cross_fitted_rate']:.2%}**. bench/eval_public_docs.py counts whole documents "
        "through the full pipeline (rules too), including held-out documents the thresholds "
        "never saw.",
        "",
    ]
    lines += _table(["source (held-out documents)", *head], _doc_rows(doc["by_source"]))
    if doc.get("by_source_genre"):
        lines += ["", "Per genre (the source's own genre tag):", ""]
        lines += _table(["source / genre", *head], _doc_rows(doc["by_source_genre"]))
    if doc.get("by_detected_genre"):
        lines += ["", "Per genre as detected from the document's head (classify/genre.py):", ""]
        lines += _table(["detected genre", *head], _doc_rows(doc["by_detected_genre"]))
    raised = [label for label in NON_PUBLIC if why[label].get("raised_for_documents")]
    lines += [
        "",
        (
            "The document budgets raised the thresholds of: " + ", ".join(raised) + "."
            if raised
            else "The paragraph-level thresholds already met the document budgets; none was "
            "raised for them."
        ),
    ]
    return lines


def _genre_section(genres: dict[str, Any], thresholds: dict[str, float]) -> list[str]:
    recall = genres["held_out_recall"]
    lines = [
        "",
        "## Genres (document context)",
        "",
        f"Rule: {genres['rule']}.",
        "",
        "What a leak dressed up as each genre still gets: held-out recall of each class the "
        "genre publishes by design, at that genre's threshold (other classes keep the plain "
        "thresholds and their recall):",
        "",
    ]
    rows = [["(no genre)", "—", ", ".join(f"{k} {v:.3f}" for k, v in recall["(none)"].items())]]
    for gid, expected in genres["expected"].items():
        raised = genres["thresholds"].get(gid, {})
        rows.append(
            [
                f"{gid} ({genres['names'][gid]})",
                ", ".join(
                    f"{k} {thresholds[k]:.2f}→{raised.get(k, thresholds[k]):.2f}" for k in expected
                ),
                ", ".join(f"{k} {recall[gid][k]:.3f}" for k in expected),
            ]
        )
    lines += _table(["genre", "threshold (plain → in genre)", "held-out recall"], rows)
    return lines
