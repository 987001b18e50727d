"""Which shared libraries Lambda's Python images provide, and where on PyPI the usual
missing ones can be found.

PROVIDED is what a package may NEED without shipping it. Its sources:
- the libraries every manylinux wheel may assume (PEP 599's manylinux2014 list, PEP 600
  keeps it), less the graphical ones (libX11, libGL, glib...), which Amazon Linux's minimal
  Lambda images do not install: the glibc family, libgcc_s and libstdc++;
- what the Python runtime itself links against in those images (`/var/lang/lib` holds
  libpython; Amazon Linux's zlib, libffi, expat, sqlite, xz, bzip2 and OpenSSL packages
  are there because Python's own extension modules need them).
libgomp (OpenMP), libgfortran and libquadmath are *not* there: manylinux wheels vendor
them (auditwheel) and a wheel that does not must bring them along.

VENDOR_SOURCES maps a missing library to a manylinux wheel on PyPI that ships a copy built
for manylinux2014 (glibc 2.17), and the folder inside it that holds the copy (renamed by
auditwheel, e.g. `scikit_learn.libs/libgomp-a34b3233.so.1.0.0`).
"""

from __future__ import annotations

# glibc itself (the loader, libc and the libraries split from it), then the toolchain's
# runtime libraries the manylinux policies allow.
GLIBC_LIBRARIES = frozenset({
    "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "libc.so.6", "libm.so.6", "libdl.so.2",
    "libpthread.so.0", "librt.so.1", "libutil.so.1", "libresolv.so.2", "libnsl.so.1",
    "libcrypt.so.1", "libanl.so.1",
})
TOOLCHAIN_LIBRARIES = frozenset({"libgcc_s.so.1", "libstdc++.so.6"})
# What the Python runtime's own modules link (zlib, _ctypes, pyexpat, _sqlite3, _lzma,
# _bz2, _ssl/_hashlib), present in every Lambda Python image.
PYTHON_RUNTIME_LIBRARIES = frozenset({
    "libz.so.1", "libffi.so.6", "libffi.so.8", "libexpat.so.1", "libsqlite3.so.0",
    "liblzma.so.5", "libbz2.so.1", "libssl.so.10", "libcrypto.so.10", "libssl.so.3",
    "libcrypto.so.3",
})
PROVIDED = GLIBC_LIBRARIES | TOOLCHAIN_LIBRARIES | PYTHON_RUNTIME_LIBRARIES


def provided(name: str) -> bool:
    """libpython3.X.so.1.0 is in /var/lang/lib of every Python image."""
    return name in PROVIDED or (name.startswith("libpython3.") and ".so" in name)


# library -> (PyPI project, folder in its wheel holding an auditwheel-renamed copy)
VENDOR_SOURCES: dict[str, tuple[str, str]] = {
    "libgomp.so.1": ("scikit-learn", "scikit_learn.libs"),
    "libquadmath.so.0": ("numpy<1.24", "numpy.libs"),
    "libgfortran.so.3": ("numpy<1.24", "numpy.libs"),
}


def vendor_stem(name: str) -> str:
    """The part of a library's name auditwheel keeps: "libgomp" for "libgomp.so.1"."""
    return name.split(".so", 1)[0]
