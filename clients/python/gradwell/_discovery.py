"""Finding the ``gradwell`` executable: an explicit path, ``$GRADWELL_HOST``, the repository's
build folders, then ``PATH``."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import List, Optional, Tuple, Union

from .errors import HostNotFound

__all__ = ["BUILD_PATHS", "PathLike", "find_host"]

#: Where a built host lives relative to the repository root, in the order they are tried.
BUILD_PATHS: Tuple[str, ...] = ("cli/.build/release/gradwell", "cli/.build/debug/gradwell")

PathLike = Union[str, "os.PathLike[str]"]

_PACKAGE_DIR = Path(__file__).resolve().parent


def _is_executable(path: PathLike) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_host(path: Optional[PathLike] = None) -> str:
    """Returns the path of the ``gradwell`` executable to run.

    Looks, in order, at ``path``; the environment variable ``GRADWELL_HOST``; the repository's
    build folders (``cli/.build/release/gradwell``, then ``cli/.build/debug/gradwell``) in this
    package's folder and every folder above it, then in the current directory and every folder
    above it; and finally ``gradwell`` on ``PATH``. An explicit ``path`` or ``GRADWELL_HOST``
    that names no executable is an error rather than a reason to look elsewhere. Raises
    :class:`HostNotFound` naming every place it looked.
    """
    if path is not None:
        text = os.path.expanduser(os.fspath(path))
        if _is_executable(text):
            return os.path.abspath(text)
        if os.sep not in text:
            found = shutil.which(text)
            if found:
                return found
        raise HostNotFound(f"the gradwell host given as path={text!r} is not an executable file",
                           [f"{text} (the path argument)"])
    searched: List[str] = []
    variable = os.environ.get("GRADWELL_HOST")
    if variable:
        if _is_executable(variable):
            return os.path.abspath(variable)
        raise HostNotFound(f"GRADWELL_HOST={variable!r} is not an executable file",
                           [f"{variable} (from $GRADWELL_HOST)"])
    searched.append("$GRADWELL_HOST (not set)")
    starts: List[Path] = [_PACKAGE_DIR]
    try:
        starts.append(Path.cwd().resolve())
    except OSError:  # the current directory was deleted
        pass
    seen = set()
    for start in starts:
        for folder in (start, *start.parents):
            for relative in BUILD_PATHS:
                candidate = folder / relative
                if candidate in seen:
                    continue
                seen.add(candidate)
                searched.append(str(candidate))
                if _is_executable(candidate):
                    return str(candidate)
    found = shutil.which("gradwell")
    searched.append("'gradwell' on PATH")
    if found:
        return found
    raise HostNotFound("no gradwell host executable found: build it (cd cli && swift build -c release), "
                       "or pass Host(path=...), or set GRADWELL_HOST", searched)
