#!/bin/sh
# Copy the browser libraries pinned in package.json into ../static/vendor/.
#
#   cd frontend && npm ci && ./vendor.sh
#
# The copies are committed, so running the site and CI needs no Node. Files are copied byte for
# byte (source maps included: the manifest static storage rewrites sourceMappingURL comments and
# fails when the map is missing). static/vendor/VERSIONS records what was copied.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src="$here/node_modules"
dest="$here/../static/vendor"

if [ ! -d "$src/bootstrap" ]; then
    echo "node_modules is missing: run 'npm ci' in frontend/ first" >&2
    exit 1
fi

rm -rf "$dest"
mkdir -p "$dest/bootstrap/css" "$dest/bootstrap/js" "$dest/bootstrap-icons/fonts" "$dest/htmx" "$dest/chart.js"

cp "$src/bootstrap/dist/css/bootstrap.min.css" "$src/bootstrap/dist/css/bootstrap.min.css.map" "$dest/bootstrap/css/"
cp "$src/bootstrap/dist/js/bootstrap.bundle.min.js" "$src/bootstrap/dist/js/bootstrap.bundle.min.js.map" "$dest/bootstrap/js/"
cp "$src/bootstrap/LICENSE" "$dest/bootstrap/"

cp "$src/bootstrap-icons/font/bootstrap-icons.min.css" "$dest/bootstrap-icons/"
cp "$src/bootstrap-icons/font/fonts/bootstrap-icons.woff2" "$src/bootstrap-icons/font/fonts/bootstrap-icons.woff" \
    "$dest/bootstrap-icons/fonts/"
cp "$src/bootstrap-icons/LICENSE" "$dest/bootstrap-icons/"

cp "$src/htmx.org/dist/htmx.min.js" "$dest/htmx/"
cp "$src/htmx.org/LICENSE" "$dest/htmx/"

cp "$src/chart.js/dist/chart.umd.min.js" "$src/chart.js/dist/chart.umd.min.js.map" "$dest/chart.js/"
cp "$src/chart.js/LICENSE.md" "$dest/chart.js/"

version() {
    node -p "require('$src/$1/package.json').version"
}
{
    echo "# Written by frontend/vendor.sh; do not edit by hand."
    for pkg in bootstrap bootstrap-icons htmx.org chart.js; do
        echo "$pkg $(version "$pkg")"
    done
} >"$dest/VERSIONS"

echo "Vendored into static/vendor/:"
cat "$dest/VERSIONS"
