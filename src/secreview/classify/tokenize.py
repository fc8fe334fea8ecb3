"""Features of a paragraph: jieba words (HMM off, domain user dictionary) and character n-grams.

The word tokenizer is part of the model: training records which jieba dictionary it used
(sha256), the frequency floor and the user dictionary, and scanning rebuilds exactly that
tokenizer. To keep cold start short the main dictionary is jieba's own ``dict.txt`` reduced to
words with frequency >= ``min_freq`` (about 80k of 349k words for 20; the marshal cache jieba
loads then is half the size, which halves the tokenizer's share of cold start) merged with the user
dictionary; jieba caches its prefix dictionary for that file in a per-user cache directory
(``$SECREVIEW_CACHE_DIR`` or ``$XDG_CACHE_HOME/secreview`` or ``~/.cache/secreview``) instead of
a shared, world-writable temp dir.

Engine: when ``jieba_fast_dat`` (C++ double-array trie, same algorithm) is installed it cuts the
words — with HMM off it gives token-for-token the output of jieba 0.42.1 on the same dictionary
(verified on ~12.6k real paragraphs and every user-dictionary term), about ten times faster, and
its binary trie cache loads in about a millisecond. jieba itself stays the source of the main
dictionary (``dict.txt``) and the reference engine (``SECREVIEW_JIEBA=python`` forces it).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from secreview.errors import UsageError

log = logging.getLogger(__name__)

USERDICT_PATH = Path(__file__).resolve().parent / "userdict.txt"
DEFAULT_MIN_FREQ = 20
USERDICT_DEFAULT_FREQ = 1000

_DIGIT = re.compile(r"\d")
_SPACE = re.compile(r"\s+")
# A word feature must contain a CJK ideograph, a latin letter or a digit.
_WORDY = re.compile(r"[\u3400-\u9fff\uf900-\ufaffa-z0]")

_LOCK = threading.Lock()
_TOKENIZERS: dict[str, Any] = {}


@dataclass(frozen=True)
class TokenizerSpec:
    """Everything that decides the word tokens; stored in the model's model.json."""

    jieba_version: str
    jieba_dict_sha256: str
    userdict_sha256: str
    min_freq: int = DEFAULT_MIN_FREQ
    char_ngram_min: int = 1
    char_ngram_max: int = 3

    def key(self) -> str:
        raw = f"{self.jieba_dict_sha256}:{self.userdict_sha256}:{self.min_freq}"
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TokenizerSpec:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def _import_jieba() -> Any:
    """Import jieba without letting it import pkg_resources (~0.15 s of cold start).

    jieba's _compat falls back to plain ``open()`` for its resources when pkg_resources is
    missing; we hide it only for the duration of this import when nobody loaded it yet.
    """
    if "jieba" in sys.modules:
        return sys.modules["jieba"]
    hide = "pkg_resources" not in sys.modules
    if hide:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        import jieba
    finally:
        if hide:
            del sys.modules["pkg_resources"]
    jieba.setLogLevel(logging.WARNING)
    return jieba


def _fast_jieba() -> Any:
    """The ``jieba_fast_dat`` module, or None when absent or disabled (SECREVIEW_JIEBA=python)."""
    if os.environ.get("SECREVIEW_JIEBA", "").lower() == "python":
        return None
    try:
        import jieba_fast_dat
    except ImportError:
        return None
    jieba_fast_dat.setLogLevel(logging.WARNING)
    return jieba_fast_dat


def engine_name() -> str:
    """Which engine cuts the words: "jieba_fast_dat" or "jieba" (same tokens either way)."""
    return "jieba_fast_dat" if _fast_jieba() is not None else "jieba"


def _jieba_dict_path() -> Path:
    jieba = _import_jieba()

    return Path(jieba.__file__).resolve().parent / "dict.txt"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def current_spec(userdict: bytes, min_freq: int = DEFAULT_MIN_FREQ) -> TokenizerSpec:
    """The spec for training with the installed jieba and the given user dictionary."""
    jieba = _import_jieba()

    return TokenizerSpec(
        jieba_version=str(jieba.__version__),
        jieba_dict_sha256=sha256_file(_jieba_dict_path()),
        userdict_sha256=hashlib.sha256(userdict).hexdigest(),
        min_freq=min_freq,
    )


def cache_dir() -> Path:
    env = os.environ.get("SECREVIEW_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "secreview"


def prepare(text: str) -> str:
    """Model view of already-normalized text: lower case, every digit → 0, spaces folded."""
    return _SPACE.sub(" ", _DIGIT.sub("0", text.lower())).strip()


# Paragraphs of a batch are prepared and cut as one string (classify/batch.py), joined by a
# character that prepare() leaves alone and that is no whitespace (so spaces never fold across
# it); a batch holding it anywhere else is prepared paragraph by paragraph.
JOIN = "\x00"
# Characters at which jieba always ends a block of its cut (outside its block class
# [\u4E00-\u9FD5a-zA-Z0-9+#&._%-], both engines — tests/test_classify_words.py): a text's words are
# the words of its pieces between them, in order. NFKC (normalize) has folded full-width forms.
PIECE_SEPARATORS = " ,;:!?()[]{}<>\"'/|*=~，。、；：？！“”‘’（）《》〈〉【】「」『』〔〕—·"
_PIECE = re.compile("[^" + re.escape(PIECE_SEPARATORS) + "]+")


def prepare_joined(texts: list[str]) -> str | None:
    """``JOIN.join(prepare(t) for t in texts)`` but for the strip of each paragraph's ends (its
    words and spaceless char n-grams are the same), in three passes over the batch; None when a
    text holds ``JOIN`` itself."""
    joined = JOIN.join(texts)
    if joined.count(JOIN) != len(texts) - 1:
        return None
    # lower() is per character but for a final sigma, which looks at cased neighbours:
    # JOIN is neither cased nor case-ignorable, so each paragraph lowers as on its own.
    return _SPACE.sub(" ", _DIGIT.sub("0", joined.lower()))


def pieces(text: str) -> list[str]:
    """The pieces of ``text`` between ``PIECE_SEPARATORS`` (not empty)."""
    return _PIECE.findall(text)


def _parse_userdict(userdict: bytes) -> list[tuple[str, int, str]]:
    out: list[tuple[str, int, str]] = []
    for n, raw in enumerate(userdict.decode("utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        word = parts[0]
        try:
            freq = int(parts[1]) if len(parts) > 1 else USERDICT_DEFAULT_FREQ
        except ValueError as e:
            raise UsageError(f"用户词典第 {n} 行格式错误（word [freq] [tag]）：{raw!r}") from e
        out.append((word, freq, parts[2] if len(parts) > 2 else ""))
    return out


def _write_reduced_dict(spec: TokenizerSpec, userdict: bytes, target: Path) -> None:
    source = _jieba_dict_path()
    actual = sha256_file(source)
    if actual != spec.jieba_dict_sha256:
        log.warning(
            "installed jieba dictionary (sha256 %s) differs from the one the model was trained "
            "with (%s); word tokens may differ — retrain with `secreview train`",
            actual[:12],
            spec.jieba_dict_sha256[:12],
        )
    user = _parse_userdict(userdict)
    user_words = {w for w, _, _ in user}
    lines: list[str] = []
    with open(source, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2 and int(parts[1]) >= spec.min_freq and parts[0] not in user_words:
                lines.append(" ".join(parts[:3]))
    lines.extend(f"{w} {f} {t}".strip() for w, f, t in user)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".dict-", suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    os.replace(tmp, target)


def _build_fast(fast: Any, dict_path: Path, base: Path, key: str) -> Any:
    """A jieba_fast_dat tokenizer; its trie cache is written to a temp name, then renamed."""
    final = base / f"tokens-{key}.dat.cache"
    tk = fast.Tokenizer(dictionary=str(dict_path))
    if final.exists() and final.stat().st_mtime > dict_path.stat().st_mtime:
        tk.cache_file = str(final)
        tk.initialize()
        return tk
    fd, tmp = tempfile.mkstemp(dir=base, prefix=".dat-", suffix=".cache")
    os.close(fd)
    os.unlink(tmp)
    tk.cache_file = tmp
    tk.initialize()
    if os.path.exists(tmp):
        os.replace(tmp, final)
    return tk


def _build(spec: TokenizerSpec, userdict: bytes) -> Any:
    base = cache_dir()
    try:
        base.mkdir(parents=True, exist_ok=True)
        probe = base / ".write-test"
        probe.touch()
        probe.unlink()
    except OSError:
        base = Path(tempfile.mkdtemp(prefix="secreview-jieba-"))
        log.info("cache dir not writable; building the tokenizer in %s", base)
    dict_path = base / f"tokens-{spec.key()}.dict.txt"
    if not dict_path.exists():
        _write_reduced_dict(spec, userdict, dict_path)
    fast = _fast_jieba()
    if fast is not None:
        return _build_fast(fast, dict_path, base, spec.key())
    jieba = _import_jieba()
    tk = jieba.Tokenizer(dictionary=str(dict_path))
    tk.tmp_dir = str(base)
    tk.cache_file = f"tokens-{spec.key()}.jieba.cache"
    tk.initialize()
    return tk


def get_tokenizer(spec: TokenizerSpec, userdict: bytes) -> Any:
    """The jieba tokenizer for ``spec`` — built once per process (thread-safe)."""
    key = f"{spec.key()}:{engine_name()}"
    tk = _TOKENIZERS.get(key)
    if tk is None:
        with _LOCK:
            tk = _TOKENIZERS.get(key)
            if tk is None:
                tk = _build(spec, userdict)
                _TOKENIZERS[key] = tk
    return tk


def word_tokens(tokenizer: Any, prepared: str) -> list[str]:
    """jieba words (HMM off) of at least two characters containing a letter, digit or ideograph.

    ``tokenizer`` is a jieba_fast_dat tokenizer when that C++ engine is installed (same
    algorithm, same tokens — tests/test_classify_engine.py), else jieba's own.
    """
    return [w for w in tokenizer.cut(prepared, HMM=False) if is_word_feature(w)]


def is_word_feature(word: str) -> bool:
    """At least two characters, one of them an ideograph, a latin letter or a digit (0)."""
    return len(word) >= 2 and _WORDY.search(word) is not None


def char_ngrams(prepared: str, lo: int = 1, hi: int = 3) -> list[str]:
    """Character n-grams (lo..hi) of the text with spaces removed."""
    s = prepared.replace(" ", "")
    out: list[str] = []
    n_chars = len(s)
    for n in range(lo, hi + 1):
        out.extend([s[i : i + n] for i in range(n_chars - n + 1)])
    return out
