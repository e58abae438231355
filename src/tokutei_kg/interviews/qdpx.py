"""Read a REFI-QDA project (``.qdpx``: a zip holding ``project.qde`` and ``sources/*``) safely.

Nothing is extracted to disk. The archive is checked before anything is read: member count and
sizes, compression ratio (zip bombs), names (no ``..``, no absolute paths, no backslashes), no
symlinks, no encryption. ``project.qde`` is parsed with defusedxml: DTDs, entities and external
references are refused (billion laughs, XXE), so no file and no network is ever reached.
"""

from __future__ import annotations

import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import Location, SourceError

NS = "urn:QDA-XML:project:1.0"

MAX_MEMBERS = 2_000
MAX_MEMBER_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed, checked for members above RATIO_FLOOR bytes
RATIO_FLOOR = 1024 * 1024
_GUID = re.compile(r"^\{?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}?$")


@dataclass(frozen=True)
class Code:
    guid: str
    name: str
    path: str  # "Parent > Child"
    parent: str  # guid of the parent code, or ""


@dataclass(frozen=True)
class Coding:
    code: str  # code guid
    coder: str  # user guid
    date: str  # creationDateTime as written ("" when absent)


@dataclass(frozen=True)
class Selection:
    guid: str
    document: str  # document guid
    start: int
    end: int
    text: str
    description: str  # the coder's memo on the segment (used as a paraphrase)
    codings: tuple[Coding, ...]


@dataclass(frozen=True)
class Document:
    guid: str
    name: str
    text: str
    variables: dict[str, str]


@dataclass
class QdaProject:
    name: str
    users: dict[str, str] = field(default_factory=dict)  # guid -> name
    codes: dict[str, Code] = field(default_factory=dict)
    sets: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)  # guid -> (name, code guids)
    documents: dict[str, Document] = field(default_factory=dict)
    selections: list[Selection] = field(default_factory=list)


def _refuse(shown: Path, message: str, hint: str = "") -> SourceError:
    return SourceError(Location(shown), message, hint)


def check_archive(archive: zipfile.ZipFile, shown: Path) -> None:
    """Refuse an archive that is too big, a bomb, or names paths outside itself."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _refuse(shown, f"the archive has {len(infos)} members (at most {MAX_MEMBERS} are read)",
                      "a REFI-QDA project holds project.qde and its sources; check the file")
    total = 0
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name).parts
        if (name.startswith(("/", "\\")) or "\\" in name or re.match(r"^[A-Za-z]:", name)
                or ".." in parts or "\x00" in name):
            raise _refuse(shown, f"unsafe member name '{name}' in the archive (path traversal)",
                          "a .qdpx member must be a relative path inside the archive; the file is refused")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise _refuse(shown, f"member '{name}' is a symbolic link", "links are refused in a .qdpx archive")
        if info.flag_bits & 0x1:
            raise _refuse(shown, f"member '{name}' is encrypted", "export the project again without a password")
        if name in seen:
            raise _refuse(shown, f"member '{name}' appears twice in the archive")
        seen.add(name)
        if info.file_size > MAX_MEMBER_BYTES:
            raise _refuse(shown, f"member '{name}' unpacks to {info.file_size:,} bytes "
                                 f"(at most {MAX_MEMBER_BYTES:,})", "possible zip bomb; the file is refused")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _refuse(shown, f"member '{name}' is compressed {info.file_size // max(info.compress_size, 1):,}:1 "
                                 f"(at most {MAX_RATIO}:1)", "possible zip bomb; the file is refused")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise _refuse(shown, f"the archive unpacks to more than {MAX_TOTAL_BYTES:,} bytes",
                          "possible zip bomb; the file is refused")


def _read_member(archive: zipfile.ZipFile, name: str, shown: Path) -> bytes:
    """Read at most the declared size (never trust the header: stop at the limit)."""
    info = archive.getinfo(name)
    with archive.open(info) as handle:
        data = handle.read(min(info.file_size, MAX_MEMBER_BYTES) + 1)
    if len(data) > info.file_size:
        raise _refuse(shown, f"member '{name}' is larger than its header says", "the archive is corrupt or hostile")
    return data


def read_qdpx(path: Path, shown: Path | None = None) -> QdaProject:
    """The coded project in ``path``; raise :class:`SourceError` (one line) on anything unsafe or malformed."""
    shown = shown or path
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _refuse(shown, f"not a readable .qdpx (zip) file: {exc}",
                      "export the project from your QDA tool as REFI-QDA Project (.qdpx)") from None
    with archive:
        check_archive(archive, shown)
        names = {i.filename for i in archive.infolist()}
        qde = [n for n in names if n.lower() == "project.qde"]
        if not qde:
            raise _refuse(shown, "the archive holds no project.qde", "is this a REFI-QDA Project export (.qdpx)?")
        try:
            root = parse_xml(_read_member(archive, qde[0], shown), shown)
            return _project(root, archive, names, shown)
        except (zipfile.BadZipFile, EOFError, OSError) as exc:  # a corrupt member (CRC, truncated)
            raise _refuse(shown, f"cannot read the archive: {exc}") from None


def parse_xml(data: bytes, shown: Path) -> object:
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    where = f"{shown}"
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        head = data[:65536]
        if re.search(rb"<!ENTITY[^>]*\b(SYSTEM|PUBLIC)\b", head):
            what = "a DTD with an external entity (it would read a file or the network)"
        elif b"<!ENTITY" in head:
            what = "a DTD with entity declarations (entity expansion, e.g. 'billion laughs')"
        else:
            what = "a DTD (<!DOCTYPE …>)"
        raise SourceError(Location(Path(where)), f"project.qde has {what}; refused",
                          "REFI-QDA project files have no DTD; export the project again from your QDA tool") from None
    except ParseError as exc:
        line, column = exc.position
        raise SourceError(Location(Path(where)), f"project.qde is not well-formed XML at line {line}, "
                                                 f"column {column + 1}: {str(exc).split(':')[0]}",
                          "export the project again from your QDA tool") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: object, name: str) -> list:
    return [c for c in element if isinstance(c.tag, str) and _local(c.tag) == name]  # type: ignore[attr-defined]


def _child(element: object, name: str) -> object | None:
    found = _children(element, name)
    return found[0] if found else None


def _text(element: object | None) -> str:
    return (element.text or "") if element is not None else ""  # type: ignore[attr-defined]


def _guid(element: object, shown: Path, what: str) -> str:
    value = element.get("guid", "")  # type: ignore[attr-defined]
    if not _GUID.match(value):
        raise _refuse(shown, f"{what} has no valid guid ('{value}')", "REFI-QDA elements carry a GUID")
    return value.strip("{}").lower()


def _ref(element: object) -> str:
    return element.get("targetGUID", "").strip("{}").lower()  # type: ignore[attr-defined]


def _project(root: object, archive: zipfile.ZipFile, names: set[str], shown: Path) -> QdaProject:
    tag = root.tag  # type: ignore[attr-defined]
    if _local(tag) != "Project" or (tag.startswith("{") and not tag.startswith("{" + NS + "}")):
        raise _refuse(shown, f"project.qde's root element is <{_local(tag)}>, not a REFI-QDA <Project> "
                             f"in namespace {NS}", "export the project as REFI-QDA Project (.qdpx)")
    project = QdaProject(name=root.get("name", ""))  # type: ignore[attr-defined]
    for users in _children(root, "Users"):
        for user in _children(users, "User"):
            project.users[_guid(user, shown, "a User")] = user.get("name", "") or user.get("id", "")
    variables: dict[str, str] = {}
    for block in _children(root, "Variables"):
        for variable in _children(block, "Variable"):
            variables[_guid(variable, shown, "a Variable")] = variable.get("name", "")
    for book in _children(root, "CodeBook"):
        for codes in _children(book, "Codes"):
            _codes(codes, project, "", "", shown)
    for sets in _children(root, "Sets"):
        for member_set in _children(sets, "Set"):
            members = tuple(_ref(m) for m in _children(member_set, "MemberCode"))
            project.sets[_guid(member_set, shown, "a Set")] = (member_set.get("name", ""), members)
    for sources in _children(root, "Sources"):
        for source in _children(sources, "TextSource"):
            _document(source, project, variables, archive, names, shown)
    _cases(root, project, variables)
    return project


def _cases(root: object, project: QdaProject, variables: dict[str, str]) -> None:
    """Attributes kept on a case (as NVivo does) apply to the sources it names, unless a source has its own."""
    for cases in _children(root, "Cases"):
        for case in _children(cases, "Case"):
            values = _values(case, variables)
            for ref in _children(case, "SourceRef"):
                document = project.documents.get(_ref(ref))
                if document is not None:
                    document.variables.update({k: v for k, v in values.items() if k not in document.variables})


def _values(element: object, variables: dict[str, str]) -> dict[str, str]:
    """Variable name (lower case) → value, from the ``VariableValue`` children of a source or a case."""
    values: dict[str, str] = {}
    for value in _children(element, "VariableValue"):
        ref = _child(value, "VariableRef")
        key = variables.get(_ref(ref), "") if ref is not None else ""
        for kind in ("TextValue", "DateValue", "IntegerValue", "BooleanValue", "FloatValue", "DateTimeValue"):
            found = _child(value, kind)
            if found is not None and key:
                values[key.strip().lower()] = _text(found).strip()
    return values


def _codes(parent: object, project: QdaProject, parent_guid: str, parent_path: str, shown: Path) -> None:
    for code in _children(parent, "Code"):
        guid = _guid(code, shown, "a Code")
        name = code.get("name", "").strip()
        path = f"{parent_path} > {name}" if parent_path else name
        project.codes[guid] = Code(guid, name, path, parent_guid)
        _codes(code, project, guid, path, shown)


def _document(source: object, project: QdaProject, variables: dict[str, str], archive: zipfile.ZipFile,
              names: set[str], shown: Path) -> None:
    guid = _guid(source, shown, "a TextSource")
    name = source.get("name", "") or guid  # type: ignore[attr-defined]
    content = _child(source, "PlainTextContent")
    text_path = source.get("plainTextPath", "")  # type: ignore[attr-defined]
    if content is not None:
        text = _text(content)
    elif text_path.startswith("internal://"):
        member = "sources/" + text_path[len("internal://"):]
        if member not in names:
            raise _refuse(shown, f"document '{name}': its text {text_path} is not in the archive (no {member})")
        try:
            text = _read_member(archive, member, shown).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _refuse(shown, f"document '{name}': {member} is not UTF-8 text") from None
    else:
        raise _refuse(shown, f"document '{name}' has no text in the archive (plainTextPath '{text_path}')",
                      "export the project with its sources included (internal://)")
    project.documents[guid] = Document(guid, name, text, _values(source, variables))
    _selections(source, project, guid, name, text, shown)


def _selections(source: object, project: QdaProject, guid: str, name: str, text: str, shown: Path) -> None:
    for selection in _children(source, "PlainTextSelection"):
        sel_guid = _guid(selection, shown, f"a PlainTextSelection in '{name}'")
        try:
            start = int(selection.get("startPosition", ""))
            end = int(selection.get("endPosition", ""))
        except ValueError:
            raise _refuse(shown, f"segment {sel_guid} in '{name}' has no integer startPosition/endPosition") from None
        if not 0 <= start < end <= len(text):
            raise _refuse(shown, f"segment {sel_guid} in '{name}' spans characters {start}-{end}, outside the "
                                 f"document's {len(text)} characters", "the export does not match its source text")
        default_user = selection.get("creatingUser", "").strip("{}").lower()
        codings = tuple(
            Coding(_ref(ref), (coding.get("creatingUser", "") or default_user).strip("{}").lower(),
                   coding.get("creationDateTime", "") or selection.get("creationDateTime", ""))
            for coding in _children(selection, "Coding")
            for ref in _children(coding, "CodeRef")
        )
        for coding in codings:
            if coding.code not in project.codes:
                raise _refuse(shown, f"segment {sel_guid} in '{name}' is coded with an unknown code {coding.code}",
                              "the code book of the export is incomplete")
        project.selections.append(Selection(sel_guid, guid, start, end, text[start:end],
                                            _text(_child(selection, "Description")).strip(), codings))
