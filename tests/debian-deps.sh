#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The Debian package builds where the tree builds: every library
# configure requires (DP_LIB in configure.ac) is a Build-Depends of
# debian/control, and every package tools/install-deps installs for the
# build or the tests is one too (the tools only a developer runs
# excepted), so that a clean chroot (sbuild, pbuilder) builds and tests
# the package as CI does. Names each package that is missing.
top=${top_srcdir:-.}
cd "$top" || exit 99
[ -f debian/control ] && [ -f configure.ac ] || exit 99

# The package names of Build-Depends, without versions or profiles.
build_depends=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' debian/control |
  sed '1d;$d' | sed 's/[,(<].*//; s/^ *//; s/ *$//' | sed '/^$/d')
bad=0
need() { # need PACKAGE WHERE
  if ! printf '%s\n' "$build_depends" | grep -qxF "$1"; then
    echo "debian/control: Build-Depends lacks $1 ($2 needs it)"
    bad=1
  fi
}

libs=$(sed -n 's/^DP_LIB(\[[A-Z0-9_]*\], *\[[^]]*\], *\[\([^]]*\)\]).*/\1/p' \
  configure.ac)
[ -n "$libs" ] || { echo "configure.ac: no DP_LIB line read"; exit 1; }
for p in $libs; do
  need "$p" configure.ac
done

# tools/install-deps is not in the release tarball.
if [ -f tools/install-deps ]; then
  installed=$(sed -n '/^packages="/,/"$/p' tools/install-deps |
    sed 's/^packages="//; s/"$//' | tr -s ' \n' '\n' | sed '/^$/d')
  for p in $installed; do
    case $p in
    # Only a developer's: the compiler set, the packaging tools, the
    # fuzzing compiler, and pkg-config (pkgconf provides it).
    build-essential | dpkg-dev | debhelper | lintian | clang | pkg-config) ;;
    *) need "$p" tools/install-deps ;;
    esac
  done
  for p in $build_depends; do
    case $p in
    debhelper-compat | pkgconf) ;;
    *) printf '%s\n' "$installed" | grep -qxF "$p" || {
         echo "tools/install-deps: does not install $p, a Build-Depends"
         bad=1
       } ;;
    esac
  done
fi
[ "$bad" -eq 0 ] && echo "debian/control names every package the build and tests need"
exit "$bad"
