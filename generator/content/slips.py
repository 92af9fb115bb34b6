"""Typing slips in YAML and front matter, found where they were made and explained in Chinese.

Editors type with a Chinese input method, so full-width punctuation (“：”, “，”, “【】”, the
full-width space U+3000, curly quotes) ends up where YAML wants ASCII, and a parser reports the
consequence, often a line later and in English. The functions here take the text of a file (and,
for a document that did not parse, the parser's mark and words) and return `Slip`s: 1-based line
and column where the mistake is, a Chinese message, a hint saying what to type instead, and a
severity. They are pure: no I/O, no state; `sources.read_source()` calls them and turns slips
into problems.

- `encoding(raw)`: why bytes are not UTF-8 text (UTF-16 with or without a BOM, GBK/GB18030, or
  neither). Called only when decoding fails, the bytes start with a UTF-16 BOM or hold a NUL.
- `conflict_markers(text)`: every Git merge-conflict marker line, when the text has one of
  `<<<<<<<` / `>>>>>>>` at the start of a line (a lone `=======` is a Markdown heading rule).
- `front_matter(text)`: why a Markdown file has no front matter (no opening `---`, or no closing).
- `diagnose(text, …)`: for a YAML document that failed to parse, the slips that explain it —
  the specific one behind the parser's error (an unclosed quote or bracket, where it was
  opened; a line indented unlike its siblings; a tab; “: ” inside a value) and every line-level
  slip in the document (“：” after a key, `key:value`, tab or U+3000 indentation, “，” in a flow
  list) — or else the parser's error itself, at its mark, in Chinese. Never English.
- `lines_of(text)`: the line-level slips alone, for a document that parsed into one piece of
  text (`title：标题` on every line).
- `parsed(text)`: for a document that parsed, slips that parse as something unintended: keys
  indented with U+3000 (errors), and `【a, b】` lists, “，” in `[a，b]` and a whole value in
  curly quotes (warnings: each may be meant as text). The caller gates it with cheap `in`
  checks so that a clean file costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal, NamedTuple

Severity = Literal["error", "warning"]


class Slip(NamedTuple):
    line: int
    col: int
    message: str
    hint: str | None = None
    severity: Severity = "error"


class _Found:
    """Collects slips, in the order found."""

    def __init__(self) -> None:
        self.items: list[Slip] = []

    def error(self, at: tuple[int, int], message: str, hint: str | None = None) -> None:
        self.items.append(Slip(at[0], at[1], message, hint, "error"))

    def warning(self, at: tuple[int, int], message: str, hint: str | None = None) -> None:
        self.items.append(Slip(at[0], at[1], message, hint, "warning"))


# --- encodings ---------------------------------------------------------------------------------

SAVE_AS_UTF8 = (
    "用记事本打开，点“文件 → 另存为”，“编码”选“UTF-8”后保存；用 WPS 文字的，点“文件 → 另存为”，"
    "文件类型选“纯文本(*.txt)”，在弹出的编码对话框里选“UTF-8”，保存后把文件名改回原来的 .yaml 或 .md"
)
_CJK = re.compile("[\u4e00-\u9fff]")
_UTF16_NAMES = {
    "utf-16-le": ("UTF-16 LE", "记事本里叫“UTF-16 LE”或“Unicode”"),
    "utf-16-be": ("UTF-16 BE", "记事本里叫“UTF-16 BE”或“Unicode big endian”"),
}


def _utf16(raw: bytes) -> tuple[str, bool] | None:
    """(codec, has a BOM) when `raw` is UTF-16 text, else None."""
    if raw.startswith(b"\xff\xfe") and not raw.startswith(b"\xff\xfe\x00\x00"):
        return "utf-16-le", True
    if raw.startswith(b"\xfe\xff"):
        return "utf-16-be", True
    sample = raw[:4096]
    sample = sample[: len(sample) // 2 * 2]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    for codec, zeros, others in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        # ASCII-heavy text (keys, dates, digits) has a NUL in every other byte, on one side only.
        if zeros >= max(4, pairs * 0.3) and others <= pairs * 0.05:
            try:
                raw[: len(raw) // 2 * 2].decode(codec)
            except UnicodeDecodeError:
                continue
            return codec, False
    return None


def encoding(raw: bytes) -> list[Slip]:
    """Why `raw` is not UTF-8 text, naming the encoding it was saved in; [] when it is UTF-8 (a NUL
    in UTF-8 text is the caller's to report)."""
    found = _Found()
    utf16 = _utf16(raw)
    if utf16 is not None:
        name, notepad = _UTF16_NAMES[utf16[0]]
        found.error((1, 1), f"文件不是有效的 UTF-8 文本：它是用 {name} 编码保存的（{notepad}）", SAVE_AS_UTF8)
        return found.items
    try:
        raw.decode("utf-8")
        return []
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
    at = (before.count(b"\n") + 1, len(before) - (before.rfind(b"\n") + 1) + 1)
    try:
        gbk = _CJK.search(raw.decode("gb18030")) is not None
    except UnicodeDecodeError:
        gbk = False
    if gbk:
        found.error(at, "文件不是有效的 UTF-8 文本：看起来是用 GBK（GB18030）编码保存的", SAVE_AS_UTF8)
    else:
        found.error(at, "文件不是有效的 UTF-8 文本", SAVE_AS_UTF8)
    return found.items


# --- merge conflicts ---------------------------------------------------------------------------

CONFLICT_HINT = (
    "两个人改了同一处，合并时两个版本都留在了文件里：保留正确的那个版本，"
    "删掉另一个版本和 <<<<<<<、=======、>>>>>>> 这些标记行"
)


def _marker(line: str) -> str | None:
    if line == "=======":
        return line
    head = line[:7]
    if head in ("<<<<<<<", ">>>>>>>", "|||||||") and (len(line) == 7 or line[7] in " \t"):
        return head
    return None


def conflict_markers(text: str) -> list[Slip]:
    """Every merge-conflict marker line, when at least one `<<<<<<<` or `>>>>>>>` line is there."""
    marks = [(i, m) for i, line in enumerate(text.split("\n")) if (m := _marker(line)) is not None]
    found = _Found()
    if any(m in ("<<<<<<<", ">>>>>>>") for _, m in marks):
        for i, m in marks:
            found.error((i + 1, 1), f"这一行是合并冲突留下的标记“{m}”，文件里同时留着两个版本的内容", CONFLICT_HINT)
    return found.items


# --- front matter ------------------------------------------------------------------------------

_DASHES = re.compile("[-－—–―]{2,}[ \t]*")  # a fence typed with the wrong dashes or count
_YAMLISH = re.compile(r"[ \t]|#|-[ \t]|-$|[A-Za-z_][A-Za-z0-9_-]*[ \t]*[:：]")


def front_matter(text: str) -> Slip:
    """Why `text` (a Markdown file) has no front matter that `sources` can split off."""
    found = _Found()
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        first = next((i for i, line in enumerate(lines) if line.strip()), 0)
        if lines[first].strip() == "---":
            found.error(
                (first + 1, 1),
                "前置信息的 --- 必须写在文件的第一行，上面不能有空行或其他内容",
                "删掉它上面的空行或其他内容",
            )
        elif _DASHES.fullmatch(lines[0]):
            found.error(
                (1, 1),
                f"第一行“{lines[0].strip()}”不是三个英文减号：前置信息的开始行要正好写成 ---",
                "切换到英文输入法，输入三个减号 ---",
            )
        else:
            found.error(
                (1, 1),
                "缺少 YAML 前置信息：文件的第一行应是 ---",
                "第一行写 ---，下面写 title: 等字段，字段写完后再写一行 ---，然后才是正文",
            )
        return found.items[0]
    for i, line in enumerate(lines[1:], start=2):
        if _DASHES.fullmatch(line):
            found.error(
                (i, 1),
                f"前置信息的结束行“{line.strip()}”不是三个英文减号：要正好写成 ---",
                "切换到英文输入法，把这一行改成三个减号 ---",
            )
            return found.items[0]
    body = next((i for i, line in enumerate(lines[1:], start=2) if line.strip() and not _YAMLISH.match(line)), None)
    hint = "在最后一个字段的下一行单独写一行 ---，正文写在它下面"
    if body is not None:
        hint = f"看起来正文从第 {body} 行开始：请在它上面单独加一行 ---"
    found.error((1, 1), "前置信息没有结束：第 1 行的 --- 之后缺少结束前置信息的另一行 ---", hint)
    return found.items[0]


# --- line-level slips --------------------------------------------------------------------------

_KEY = r"[A-Za-z_][A-Za-z0-9_-]*"
_LEAD = re.compile(r"[ \t\u3000]*((?:-[ \t\u3000]+)*)")
_KEY_COLON = re.compile(rf"({_KEY})[ \t]*([:：])(.?)")
_CJK_KEY_COLON = re.compile(r"([\u4e00-\u9fff]{1,10})[ \t]*(：)(.?)")  # a field named in Chinese
_BLOCK_START = re.compile(r"(?:^[ \t]*(?:-[ \t]+)*|:[ \t]+)[|>][-+1-9]*[ \t]*(?:#.*)?$")
_FLOW_VALUE = re.compile(rf"^[ \t]*(?:-[ \t]+)*(?:{_KEY}[ \t]*:[ \t]+)?[\[{{]")


def _block_lines(lines: list[str]) -> set[int]:
    """Indices of the lines inside block scalars (`key: |`, `key: >`): free text, not YAML."""
    inside: set[int] = set()
    parent: int | None = None
    for i, line in enumerate(lines):
        body = line.lstrip(" ")
        if parent is not None:
            if not body.strip() or len(line) - len(body) > parent:
                inside.add(i)
                continue
            parent = None
        if _BLOCK_START.search(line):
            parent = _LEAD.match(line).end()  # type: ignore[union-attr]
    return inside


def _unquoted(text: str) -> list[int]:
    """Offsets in `text` that are outside quotes."""
    out, quote = [], ""
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        else:
            out.append(i)
    return out


def _fixed(line: str, col: int, old_len: int, new: str) -> str:
    return (line[:col] + new + line[col + old_len :]).strip()


def _line_slips(lines: list[str], block: set[int], found: _Found) -> None:
    """Slips that are wrong wherever they are: tab or U+3000 indentation, “：” after a key,
    `key:value`, “，” between the items of a flow list."""
    for i, line in enumerate(lines):
        if i in block or not line.strip():
            continue
        lead = _LEAD.match(line)
        assert lead is not None
        start = lead.start(1)
        indent = line[:start]
        if "\t" in indent:
            col = indent.index("\t")
            found.error(
                (i + 1, col + 1), "这里用了制表符（Tab 键）缩进；YAML 不允许用制表符缩进", "删掉制表符，改用空格缩进"
            )
        elif "\u3000" in indent:
            col = indent.index("\u3000")
            found.error(
                (i + 1, col + 1),
                "这里的缩进用了中文全角空格",
                "删掉行首的全角空格，改用英文空格缩进：切换到英文输入法或半角状态再按空格",
            )
        key = _KEY_COLON.match(line, lead.end())
        named = _CJK_KEY_COLON.match(line, lead.end()) if key is None else None
        if named is not None:  # 户数：468, the field's name in Chinese too
            fixed = _fixed(line, named.start(2), 1, ": " if named.group(3) not in (" ", "") else ":")
            found.error(
                (i + 1, named.start(2) + 1),
                "冒号“：”是中文全角冒号，请改成英文冒号加空格“: ”",
                f"改成：{fixed}；字段名“{named.group(1)}”也要照样子写成英文，改好后检查会提示该写哪个",
            )
        if key is not None and not line.lstrip().startswith("#"):
            colon, after = key.start(2), key.group(3)
            if key.group(2) == "：":
                fixed = _fixed(line, colon, 1, ": " if after not in (" ", "") else ":")
                found.error((i + 1, colon + 1), "冒号“：”是中文全角冒号，请改成英文冒号加空格“: ”", f"改成：{fixed}")
            elif after == "\u3000":
                fixed = _fixed(line, colon + 1, 1, " ")
                found.error((i + 1, colon + 2), "冒号后面的空格是中文全角空格，要用英文空格", f"改成：{fixed}")
            elif after not in ("", " ", "\t", "/", ":", "#"):
                fixed = _fixed(line, colon + 1, 0, " ")
                found.error((i + 1, colon + 1), "冒号“:”后面少了一个空格", f"字段名的冒号后面要空一格，改成：{fixed}")
        if "，" in line and _FLOW_VALUE.match(line):
            _flow_commas(line, i, found.error)


def lines_of(text: str) -> list[Slip]:
    """The line-level slips of `text`: for a document that parsed into one piece of text (every
    line a `key：value`), where no parser error points anywhere."""
    lines = text.split("\n")
    found = _Found()
    _line_slips(lines, _block_lines(lines), found)
    return found.items


def _flow_commas(line: str, i: int, report: Callable[[tuple[int, int], str, str | None], None]) -> None:
    """“，” between the items of a one-line `[…]` / `{…}` value, outside quotes."""
    start = min(p for p in (line.find("["), line.find("{")) if p != -1)
    for offset in _unquoted(line[start:]):
        if line[start + offset] == "，":
            fixed = line[:start] + line[start:].replace("，", ", ")
            report(
                (i + 1, start + offset + 1),
                "列表里的逗号“，”是中文全角逗号，请改成英文逗号“,”",
                f"改成：{fixed.strip()}；如果逗号本来就是文字的一部分，请给这一项加上英文引号",
            )
            return


# --- a document that did not parse -------------------------------------------------------------

_REASONS = [  # the parser's words (problem or context) → what they mean, in Chinese; True: about layout
    (
        "found undefined alias",
        "“*”开头的值被当成了别名，但前面没有对应的“&”；不支持锚点和别名，请把内容直接写出来",
        False,
    ),
    ("duplicate anchor", "同一个锚点“&”用了两次；不支持锚点和别名，请把内容直接写出来", False),
    ("another document", "文件里只能有一份内容，这里又出现了一行 ---（或 ...），开始了第二份", False),
    ("document start", "文件里只能有一份内容，--- 或 ... 之后又写了内容", False),
    ("while scanning an alias", "值不能以“*”开头，请给这个值加上英文引号", False),
    ("while scanning an anchor", "值不能以“&”开头，请给这个值加上英文引号", False),
    ("while scanning a tag", "值不能以“!”开头，请给这个值加上英文引号", False),
    ("cannot start any token", "值不能以“@”或“`”开头，请给这个值加上英文引号", False),
    ("unknown escape character", "双引号里的反斜杠“\\”后面跟了不认识的字符；含反斜杠的值请改用英文单引号括起来", False),
    ("escape", "双引号里的反斜杠“\\”用法不对；含反斜杠的值请改用英文单引号括起来", False),
    ("block scalar", "“|”或“>”后面不能直接跟文字，文字要另起一行并缩进", False),
    ("tab", "这里用了制表符（Tab 键）；YAML 不允许用制表符缩进，请改用空格", False),
    ("could not find expected ':'", "这一行或上一行缺少字段名后面的“冒号加空格”，或者一个值写成了两行", True),
    ("mapping values are not allowed", "这里不能出现“冒号加空格”：可能是缩进不对，或者值里含有“: ”", True),
    ("block sequence entries are not allowed", "这里不能以“- ”开始列表项：检查缩进，或者“- ”前面是否多写了内容", True),
    ("did not find expected key", "这一行的缩进和同一层的字段对不齐，或者上一行的值没有写完整", True),
    ("did not find expected '-' indicator", "列表项没有对齐：同一个列表的“- ”要缩进同样多的空格", True),
    ("did not find expected ',' or ']'", "方括号列表里的各项要用英文逗号“,”分隔，最后以“]”结束", True),
    ("did not find expected ',' or '}'", "花括号里的各项要用英文逗号“,”分隔，最后以“}”结束", True),
    ("unexpected ':'", "值里的冒号“:”不能直接这样写，请给这个值加上英文引号", False),
    ("end of stream", "文件在引号或括号配对之前就结束了", True),
    ("expected node content", "这里缺少值，或者值的开头是不能直接使用的符号（请给这个值加上英文引号）", True),
]
LAYOUT_HINT = "对照同类文件检查这一行和上一行：冒号后要有一个空格，同一层缩进对齐，引号和括号要配对"


def reason(problem: str, context: str | None = None) -> str:
    """The parser's words, in Chinese, for a syntax error no slip explains."""
    return _reason(problem, context)[0]


def _reason(problem: str, context: str | None) -> tuple[str, bool]:
    """(what the parser's words mean, whether it is about layout: indentation, colons, brackets)."""
    said = f"{problem} {context or ''}"
    return next(
        ((chinese, layout) for words, chinese, layout in _REASONS if words in said), ("这一行附近的格式不对", True)
    )


def _opened(lines: list[str], block: set[int], line: int, col: int) -> tuple[int, int, str] | None:
    """(line, col, quote) of a quote opened before the parser's mark (1-based) and not closed
    before the mark's line: the quoted text ran on past where it was meant to end."""
    i = 0
    while i < line - 1:
        if i in block:
            i += 1
            continue
        text = lines[i]
        lead = _LEAD.match(text)
        assert lead is not None
        key = _KEY_COLON.match(text, lead.end())
        at = key.end(2) if key is not None and key.group(2) == ":" else lead.end()
        value = text[at:].lstrip(" ")
        q = value[:1]
        if q not in ("'", '"') or value.startswith(("''", '""')):
            i += 1
            continue
        start = len(text) - len(value)
        closed = _close(text, start + 1, q)
        j = i
        while closed is None and j + 1 < len(lines):
            j += 1
            closed = _close(lines[j], 0, q)
        if closed is None or j >= line - 1:
            return i + 1, start + 1, q
        i = j + 1
    return None


def _opened_bracket(text: str, lines: list[str], block: set[int], line: int, col: int) -> tuple[int, int] | None:
    """(line, col) of a `[` or `{` that starts a value before the parser's mark and is not closed
    by the end of the mark's line."""
    for i in range(min(line, len(lines))):
        code = lines[i]
        if i in block:
            continue
        lead = _LEAD.match(code)
        assert lead is not None
        key = _KEY_COLON.match(code, lead.end())
        at = key.end(2) if key is not None and key.group(2) == ":" else lead.end()
        value = code[at:].lstrip(" ")
        if value[:1] in ("[", "{"):
            start = (i + 1, len(code) - len(value) + 1)
            if _unclosed_bracket(text, lines, start, (line, col)):
                return start
    return None


def _close(text: str, start: int, quote: str) -> int | None:
    """Where `quote` closes in `text` from `start` (escapes `\\"` and `''` skipped), or None."""
    i = start
    while i < len(text):
        ch = text[i]
        if quote == '"' and ch == "\\":
            i += 2
            continue
        if ch == quote:
            if quote == "'" and text[i + 1 : i + 2] == "'":
                i += 2
                continue
            return i
        i += 1
    return None


def _unclosed_bracket(text: str, lines: list[str], at: tuple[int, int], mark: tuple[int, int]) -> bool:
    """True when the bracket at `at` is not closed by the end of `mark`'s line (1-based lines and
    columns): a bracket closed after a bad item (`{x: 1，y: 2}`) is not the slip."""
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    start, end = offsets[at[0] - 1] + at[1] - 1, offsets[min(mark[0], len(lines))] - 1  # to the mark's line end
    depth, quote = 0, ""
    for ch in text[start:end]:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth == 0:
                return False
    return True


_BARE_KEY = re.compile(r"^(\s*(?:- )?[A-Za-z_][A-Za-z0-9_]*)\s*$")  # a key alone on its line, no colon


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _misaligned(lines: list[str], block: set[int], idx: int) -> tuple[int, str] | None:
    """(indentation, what its siblings use) when line `idx` is indented unlike its siblings."""
    stack: list[int] = []
    prev: tuple[int, bool] | None = None  # key column of the last line, and whether it opens a level
    for i in range(idx):
        line = lines[i]
        if i in block or not line.strip() or line.lstrip().startswith("#"):
            continue
        lead = _LEAD.match(line)
        assert lead is not None
        dash, key = _indent(line), lead.end()
        while stack and stack[-1] > dash:
            stack.pop()
        for level in (dash, key):
            if not stack or stack[-1] < level:
                stack.append(level)
        code = line.split(" #", 1)[0].rstrip()
        prev = key, code.endswith(":") or code.endswith("-")
    line = lines[idx]
    if prev is None or not line.strip():
        return None
    n = _indent(line)
    key_col, opens = prev
    if n > key_col and not opens:
        return n, str(key_col)
    if n < key_col and n not in stack:
        nearest = min(abs(level - n) for level in stack)
        return n, " 或 ".join(str(level) for level in stack if abs(level - n) == nearest)
    return None


def _content_lines(lines: list[str], block: set[int], indices) -> list[int]:
    return [i for i in indices if i not in block and lines[i].strip() and not lines[i].lstrip().startswith("#")]


def _odd_first(lines: list[str], block: set[int], idx: int, n: int) -> int | None:
    """The line before `idx` when it is the first of a block whose other lines agree with `idx`'s
    indentation `n` (` kind:` under `owners_body:`, then `  established:`, `  party_members:`):
    the parser trips over the second line, but the first is the one typed wrong."""
    before = _content_lines(lines, block, range(idx - 1, -1, -1))[:2]
    if len(before) < 2 or not lines[before[1]].split(" #", 1)[0].rstrip().endswith(":"):
        return None
    first = before[0]
    parent = _indent(lines[before[1]])
    if not (parent < _indent(lines[first]) != n and parent < n):
        return None
    after = _content_lines(lines, block, range(idx + 1, len(lines)))
    return first if after and _indent(lines[after[0]]) == n else None


def diagnose(
    text: str,
    line: int,
    col: int,
    problem: str,
    context: str | None = None,
    context_at: tuple[int, int] | None = None,
) -> list[Slip]:
    """The slips behind a parse failure at (line, col), 1-based, with the parser's words."""
    lines = text.split("\n")
    block = _block_lines(lines)
    sure = _Found()
    _line_slips(lines, block, sure)
    specific = _specific(text, lines, block, line, col, problem, context, context_at)
    if specific is not None:
        return [specific] + [s for s in sure.items if s.line != specific.line]
    if any(s.line <= line for s in sure.items):
        return sure.items
    found = _Found()
    said, layout = _reason(problem, context)
    found.error((line, col), f"YAML 语法错误：{said}", LAYOUT_HINT if layout else None)
    return found.items + sure.items


def _specific(
    text: str,
    lines: list[str],
    block: set[int],
    line: int,
    col: int,
    problem: str,
    context: str | None,
    context_at: tuple[int, int] | None,
) -> Slip | None:
    """The one slip the parser's error points to, where it is, or None."""
    found = _Found()
    context = context or ""
    if context.startswith("while scanning a quoted scalar") and context_at is not None:
        opened: tuple[int, int, str] | None = (context_at[0], context_at[1], text_at(lines, context_at))
    else:
        opened = _opened(lines, block, line, col)
    if opened is not None and opened[2] in ("'", '"'):
        q = opened[2]
        rest = lines[opened[0] - 1][opened[1] :]
        wrong = next((c for c in "”’“‘" if c in rest), None)
        hint = f"在这段文字的末尾补上英文引号 {q}，或者去掉这个引号"
        if wrong is not None:
            hint = f"这一行后面的“{wrong}”是中文引号，要改成英文引号 {q}"
        found.error(opened[:2], f"引号 {q} 没有结束：从这里开始的文字找不到配对的另一个 {q}", hint)
        return found.items[0]
    bracket_at = context_at if context.startswith("while parsing a flow") else None
    if bracket_at is None or text_at(lines, bracket_at) not in ("[", "{"):
        bracket_at = _opened_bracket(text, lines, block, line, col)
    if bracket_at is not None:
        bracket = text_at(lines, bracket_at)
        context_at = bracket_at
        if _unclosed_bracket(text, lines, context_at, (line, col)):
            close = "]" if bracket == "[" else "}"
            rest = lines[context_at[0] - 1][context_at[1] :]
            wrong = next((c for c in "】］」｝" if c in rest), None)
            example = "streets: [a, b]" if bracket == "[" else "fee: {2025: 0.9, 2026: 0.95}"
            hint = f"在最后一项后面补上“{close}”，例如 {example}"
            if wrong is not None:
                hint = f"这一行后面的“{wrong}”是中文括号，要改成英文的“{close}”"
            found.error(context_at, f"括号“{bracket}”没有结束：找不到配对的“{close}”", hint)
            return found.items[0]
    if any(words in problem for words in ("mapping values", "expected key", "'-' indicator", "sequence entries")):
        for idx in (line - 1, line - 2):
            if 0 <= idx < len(lines) and idx not in block:
                misaligned = _misaligned(lines, block, idx)
                if misaligned is not None:
                    n, siblings = misaligned
                    first = _odd_first(lines, block, idx, n)
                    if first is not None:  # the block's first line is the odd one out
                        idx, n, siblings = first, _indent(lines[first]), str(n)
                    found.error(
                        (idx + 1, 1),
                        f"这一行缩进了 {n} 个空格，和同一层的字段对不齐（它们缩进了 {siblings} 个空格）",
                        "同一层的字段要用同样多的英文空格缩进",
                    )
                    return found.items[0]
    for idx in (line - 1, line - 2):  # `owners_body` with its colon left out, its fields below it
        bare = _BARE_KEY.match(lines[idx]) if 0 <= idx < len(lines) and idx not in block else None
        if bare is not None and idx + 1 < len(lines) and _indent(lines[idx + 1]) > _indent(lines[idx]):
            found.error(
                (idx + 1, bare.end(1) + 1),
                f"字段名“{bare.group(1).strip()}”后面少了冒号",
                f"改成：{bare.group(1).strip()}:",
            )
            return found.items[0]
    if "mapping values" in problem and 0 < line <= len(lines):
        code = lines[line - 1]
        key = _KEY_COLON.match(code, _LEAD.match(code).end())  # type: ignore[union-attr]
        if key is not None and key.group(2) == ":" and key.end(2) < col - 1:
            value = code[key.end(2) :].strip()
            hint = f'给整个值加上英文引号：{key.group(1)}: "{value}"'
            if value.startswith("“"):
                hint = f'中文引号“”不起引号的作用，请改用英文引号：{key.group(1)}: "{value.strip("“”")}"'
            found.error((line, col), "值里有“冒号加空格”，会被当成新的字段", hint)
            return found.items[0]
    return None


def text_at(lines: list[str], at: tuple[int, int]) -> str:
    """The character at (line, col), 1-based, or ""."""
    if 0 < at[0] <= len(lines):
        return lines[at[0] - 1][at[1] - 1 : at[1]]
    return ""


# --- a document that parsed --------------------------------------------------------------------

_WRONG_BRACKETS = re.compile(rf"([ \t]*(?:-[ \t]+)*{_KEY}[ \t]*:[ \t]+)([【［])([^】］]*)([】］])[ \t]*(?:#.*)?")
_ITEMS = re.compile(r".*[,，、].*|[ \t]*[A-Za-z0-9_-]+[ \t]*")
_CURLY = re.compile(rf"[ \t]*(?:-[ \t]+)*{_KEY}[ \t]*:[ \t]+(“[^“”]*”)[ \t]*")
_INDENTED_KEY = re.compile(rf"[ \t]*\u3000[ \t\u3000]*(?:-[ \t\u3000]+)*{_KEY}[ \t]*[:：]")


def _candidates(text: str, needle: str) -> list[int]:
    """Indices of the lines that hold `needle` (found with str.find: no pass in Python)."""
    found, pos = [], text.find(needle)
    while pos != -1:
        start = text.rfind("\n", 0, pos) + 1
        found.append(text.count("\n", 0, start))
        end = text.find("\n", pos)
        pos = -1 if end == -1 else text.find(needle, end)
    return found


def parsed(text: str) -> list[Slip]:
    """Slips in a document that parsed, into something other than what was meant. Only the lines
    holding a suspect character are looked at, so a clean file costs a few `str.find`s."""
    found = _Found()
    lines = text.split("\n")
    block: set[int] | None = None

    def outside_block(i: int) -> bool:
        nonlocal block
        if block is None:
            block = _block_lines(lines)
        return i not in block

    for i in _candidates(text, "\u3000"):
        line = lines[i]
        if _INDENTED_KEY.match(line) and outside_block(i):
            found.error(
                (i + 1, line.index("\u3000") + 1),
                "这里的缩进用了中文全角空格",
                "删掉行首的全角空格，改用英文空格缩进：切换到英文输入法或半角状态再按空格",
            )
    for i in sorted(set(_candidates(text, "【") + _candidates(text, "［"))):
        m = _WRONG_BRACKETS.fullmatch(lines[i])
        # Only what reads as items (separated, or one id): `title: 【紧急通知】` is a title.
        if m is not None and _ITEMS.fullmatch(m.group(3)) and outside_block(i):
            items = ", ".join(part.strip() for part in re.split("[,，、]", m.group(3)))
            found.warning(
                (i + 1, len(m.group(1)) + 1),
                f"“{m.group(2)}{m.group(4)}”是中文括号，不会被当成列表，只是一段文字",
                f"要写列表请用英文方括号：{m.group(1).strip()} [{items}]；本来就是文字的请忽略",
            )
    for i in _candidates(text, "，") if "[" in text or "{" in text else ():
        line = lines[i]
        if ("[" in line or "{" in line) and _FLOW_VALUE.match(line) and outside_block(i):
            _flow_commas(line, i, found.warning)
    for i in _candidates(text, "“"):
        m = _CURLY.fullmatch(lines[i])
        if m is not None and outside_block(i):
            found.warning(
                (i + 1, m.start(1) + 1),
                "值两边的中文引号“”会作为文字原样发布",
                '不需要引号就删掉；需要引号包住整个值时请用英文引号 "…"',
            )
    return sorted(found.items)
