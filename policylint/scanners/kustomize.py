"""Kustomize `kustomization.yaml` files: the `images:` overrides.

Each entry `{name, newName, newTag, digest}` yields the reference kustomize writes into the
manifests: `newName` (or `name`), then `:newTag` and `@digest` for those given (both, as
kustomize's image updater writes `name:tag@digest`). An entry that changes nothing (only
`name`) is no reference. One with only `newName` renames the image and keeps the tag and
digest each manifest writes: it is judged by its name alone (its tag is MANIFEST_TAG, judged in
the manifests; a manifest beside it that it renames is judged as the renamed reference). The
deprecated `imageTags:` list is read as `images:` is, since kustomize still merges it in. The
occurrence sits on `newName` (or `name`); `parts` point at the keys that decide the repository,
tag and digest; the kustomization's `namespace:` is its context's namespace (it selects
environments).
"""

from __future__ import annotations

import functools

from policylint.model import MANIFEST_TAG, Location, Occurrence, ScanError, ScanOptions
from policylint.scanners._yaml_common import (
    NULL_TAG,
    not_a_string_error,
    piece_text,
    scalar_location,
    scan_documents,
    string_value,
)
from policylint.yamldoc import MappingNode, Node, ScalarNode, SequenceNode, YamlError, compose_all, get, node_position

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, FrozenSet, Iterator, List, Mapping, Optional, Set, Tuple, Union

KIND = "kustomize"


def scan(text: str, path: str, options: ScanOptions) -> Iterator[Union[Occurrence, ScanError]]:
    reported: Set[int] = set()
    first: List[Node] = []

    def scan_first(document: Node) -> Iterator[Union[Occurrence, ScanError]]:
        # kustomize reads a kustomization's first document only (5.8): the others deploy nothing
        if not first:
            first.append(document)
        if document is first[0]:
            yield from scan_document(document, path, reported)

    return scan_documents(text, path, scan_first)


def _entries(document: Node) -> List[Node]:
    """The `images:` entries, and the deprecated `imageTags:` ones kustomize appends to them."""
    entries: List[Node] = []
    for key in ("images", "imageTags"):
        listed = get(document, key)
        if isinstance(listed, SequenceNode):
            entries.extend(listed.value)
    return entries


def scan_document(document: Node, path: str, reported: Set[int]) -> Iterator[Union[Occurrence, ScanError]]:
    for key in ("images", "imageTags"):
        listed = get(document, key)
        if isinstance(listed, MappingNode) or isinstance(listed, ScalarNode) and listed.tag != NULL_TAG:
            line, column = node_position(listed)
            yield ScanError(f"{key} must be a list of {{name, newName, newTag, digest}} mappings: kustomize "
                            "refuses this file", Location(path, line, column))
    for item in _entries(document):
        if isinstance(item, (ScalarNode, SequenceNode)) and id(item) not in reported:
            reported.add(id(item))
            line, column = node_position(item)
            yield ScanError("an images entry must be a mapping ({name: ..., newTag: ...}): kustomize refuses "
                            "this file", Location(path, line, column))
        if not isinstance(item, MappingNode) or id(item) in reported:
            continue
        reported.add(id(item))
        refused = [error for error in (not_a_string_error(get(item, key), path, "kustomize", field=key)
                                       for key in ("name", "newName", "newTag", "digest")) if error is not None]
        if refused:  # kustomize stops: "cannot unmarshal number into ... newTag of type string"
            yield from refused
            continue
        found = _override(item, path, namespace(document))
        if found is not None:
            yield found


def retagged_images(document: Node) -> Set[str]:
    """The image names whose whole reference a kustomization decides: the `name` of each
    `images:` entry that sets a newTag or digest (one with only newName keeps the manifest's tag)."""
    names = set()
    for item in _entries(document):
        name = piece_text(get(item, "name")) if isinstance(item, MappingNode) else None
        if name and any(piece_text(get(item, key)) for key in ("newTag", "digest")):
            names.add(name)
    return names


def renamed_images(document: Node) -> Dict[str, str]:
    """newName by image name for the entries that set only newName (the first entry for a name):
    kustomize writes newName and keeps the manifest's tag and digest."""
    renamed: Dict[str, str] = {}
    for item in _entries(document):
        if not isinstance(item, MappingNode):
            continue
        name, new_name = piece_text(get(item, "name")), piece_text(get(item, "newName"))
        if name and new_name and not any(piece_text(get(item, key)) for key in ("newTag", "digest")):
            renamed.setdefault(name, new_name)
    return renamed


def namespace(document: Node) -> Optional[str]:
    """The `namespace:` a kustomization sets on everything it lists (and its own entries)."""
    return string_value(get(document, "namespace"))


def resources(document: Node) -> Set[str]:
    """The files a kustomization lists under `resources:`, as paths from its folder with `/`
    (`./` and `a/../` folded; what would leave the folder, URLs and absolute paths left out:
    kustomize refuses files outside the kustomization's folder)."""
    listed = get(document, "resources")
    items = listed.value if isinstance(listed, SequenceNode) else ()
    found = set()
    for text in map(piece_text, items):
        if not text or "://" in text or text.startswith("/") or "\\" in text:
            continue
        parts: List[str] = []
        for part in text.split("/"):
            if part == "..":
                if not parts:
                    break
                parts.pop()
            elif part not in ("", "."):
                parts.append(part)
        else:
            if parts:
                found.add("/".join(parts))
    return found


@functools.lru_cache(maxsize=8)  # the manifests of a folder come one after another; <= 8 MiB kept
def facts(text: str) -> Tuple[FrozenSet[str], FrozenSet[str], Optional[str], Mapping[str, str]]:
    """(resources listed, image names retagged, namespace set, images renamed) of a
    kustomization's text, from its first document (as kustomize reads it); nothing when it does
    not parse (its own scan reports that). The engine asks first, for the files each one lists,
    so forked workers inherit what it read."""
    try:
        documents = compose_all(text)
    except (ValueError, YamlError):
        return frozenset(), frozenset(), None, {}
    if not documents:
        return frozenset(), frozenset(), None, {}
    first = documents[0]
    return frozenset(resources(first)), frozenset(retagged_images(first)), namespace(first), renamed_images(first)


def _override(item: MappingNode, path: str, namespace: Optional[str]) -> Union[Occurrence, None]:
    name_node, new_name_node = get(item, "name"), get(item, "newName")
    tag_node, digest_node = get(item, "newTag"), get(item, "digest")
    name, new_name = piece_text(name_node), piece_text(new_name_node)
    tag, digest = piece_text(tag_node), piece_text(digest_node)
    repository_node = new_name_node if new_name else name_node
    repository = new_name or name
    if repository is None or repository_node is None or not (new_name or tag or digest):
        return None
    if any("{{" in text for text in (repository, tag or "", digest or "")):
        return None
    parts: Dict[str, Location] = {"repository": scalar_location(path, repository_node)}
    reference = repository
    if tag and tag_node is not None:
        reference += f":{tag}"
        parts["tag"] = scalar_location(path, tag_node)
    if digest and digest_node is not None:
        reference += f"@{digest}"
        parts["digest"] = scalar_location(path, digest_node)
    return Occurrence(
        written=reference,
        resolved=reference,
        location=scalar_location(path, repository_node),
        kind=KIND,
        context={"image": name or repository, **({"namespace": namespace} if namespace else {})},
        unresolved=() if tag or digest else (MANIFEST_TAG,),
        parts=parts,
    )
