// Builds the committed front-end assets from the pinned npm packages in assets/node_modules.
// Run it through `make assets` (npm ci, then this). It writes only files the build owns:
//
//   api/static/ehcp.css                      assets/ehcp.scss, compressed, no source map
//   api/static/moj/assets/images/*           the MoJ Frontend images that ehcp.css refers to
//   api/static/govuk/assets/images/*         the GOV.UK Frontend images that ehcp.css refers to (none
//                                            today: the only one, the crest, is left out on purpose)
//   api/static/govuk/govuk-frontend.min.js   GOV.UK Frontend's ES module bundle
//   api/static/moj/moj-frontend.min.js       MoJ Frontend's ES module bundle
//   api/static/VERSIONS.txt                  the packages and versions built from
//   tests/e2e/axe.min.js                     axe-core, for the accessibility checks
//
// Nothing from GOV.UK Frontend's fonts folder, favicons, app icons or manifest.json is copied: they
// are the GDS Transport font and the crown, which only GOV.UK services may use (docs/pages-assets.md).
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

import * as sass from "sass";

const ASSETS = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(ASSETS);
const STATIC = join(ROOT, "api", "static");
const MODULES = join(ASSETS, "node_modules");

const GOVUK_DIST = join(MODULES, "govuk-frontend", "dist", "govuk");
const MOJ_DIST = join(MODULES, "@ministryofjustice", "frontend", "moj");
const GOVUK_IMAGES_URL = "/static/govuk/assets/images/";
// The royal crest (a crown) behind the GOV.UK footer's "Crown copyright" link.
const CREST = "govuk-crest.svg";

// Where each URL prefix in the CSS is served from (under api/static) and copied from.
const IMAGE_SOURCES = {
  [GOVUK_IMAGES_URL]: join(GOVUK_DIST, "assets", "images"),
  "/static/moj/assets/images/": join(MOJ_DIST, "assets", "images"),
};

function fail(message) {
  console.error(`build: ${message}`);
  process.exit(1);
}

function show(path) {
  const size = statSync(path).size;
  console.log(`  ${relative(ROOT, path)}  ${(size / 1024).toFixed(1)} KB`);
}

// The installed packages must be exactly the pinned ones (`npm ci` from package-lock.json).
function pinnedVersions() {
  const pinned = JSON.parse(readFileSync(join(ASSETS, "package.json"), "utf8")).dependencies;
  for (const [name, version] of Object.entries(pinned)) {
    const installed = JSON.parse(readFileSync(join(MODULES, name, "package.json"), "utf8")).version;
    if (installed !== version) {
      fail(`${name} ${installed} is installed but package.json pins ${version}: run \`make assets\``);
    }
  }
  return pinned;
}

// Called by GOV.UK Frontend for each image its CSS uses ($govuk-image-url-function in ehcp.scss).
function govukImageUrl([filename]) {
  const name = filename.assertString("filename").text;
  const value = name === CREST ? "none" : `url("${GOVUK_IMAGES_URL}${name}")`;
  return new sass.SassString(value, { quotes: false });
}

// Copy `from` to `to`, without its trailing source map comment (the maps are not shipped).
function copyWithoutSourceMap(from, to) {
  const text = readFileSync(from, "utf8").replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, "\n");
  mkdirSync(dirname(to), { recursive: true });
  writeFileSync(to, text);
}

const versions = pinnedVersions();

// Start from nothing in the folders the build owns, so no stale file stays behind.
for (const owned of ["govuk", "moj"]) {
  rmSync(join(STATIC, owned), { recursive: true, force: true });
}
mkdirSync(STATIC, { recursive: true });

const { css } = sass.compile(join(ASSETS, "ehcp.scss"), {
  style: "compressed",
  sourceMap: false,
  loadPaths: [ASSETS],
  functions: { "ehcp-govuk-image-url($filename)": govukImageUrl },
});
for (const banned of ["GDS Transport", "@font-face", "fonts/", CREST]) {
  if (css.includes(banned)) fail(`ehcp.css contains "${banned}" (see docs/pages-assets.md)`);
}
writeFileSync(join(STATIC, "ehcp.css"), `${css}\n`);

// Copy exactly the images the CSS refers to; any other URL under /static/ is an error.
const urls = new Set([...css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)].map((m) => m[1]));
const images = [];
for (const url of [...urls].sort()) {
  if (url.startsWith("data:")) continue;
  const prefix = Object.keys(IMAGE_SOURCES).find((p) => url.startsWith(p));
  if (!prefix) fail(`ehcp.css refers to ${url}, which the build does not know how to provide`);
  const target = join(STATIC, url.slice("/static/".length));
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(IMAGE_SOURCES[prefix], url.slice(prefix.length)), target);
  images.push(target);
}

copyWithoutSourceMap(join(GOVUK_DIST, "govuk-frontend.min.js"), join(STATIC, "govuk", "govuk-frontend.min.js"));
copyWithoutSourceMap(join(MOJ_DIST, "moj-frontend.min.js"), join(STATIC, "moj", "moj-frontend.min.js"));

const axe = join(ROOT, "tests", "e2e", "axe.min.js");
mkdirSync(dirname(axe), { recursive: true });
copyFileSync(join(MODULES, "axe-core", "axe.min.js"), axe);

const lines = Object.entries(versions).map(([name, version]) => `${name} ${version}`);
writeFileSync(
  join(STATIC, "VERSIONS.txt"),
  [
    "# Built by `make assets` (assets/build.mjs) from these npm packages (assets/package.json); do not edit.",
    ...lines,
    "",
  ].join("\n"),
);

console.log("build: wrote");
for (const path of [
  join(STATIC, "ehcp.css"),
  join(STATIC, "govuk", "govuk-frontend.min.js"),
  join(STATIC, "moj", "moj-frontend.min.js"),
  ...images,
  join(STATIC, "VERSIONS.txt"),
  axe,
]) {
  show(path);
}
