// Netlify build plugin of the bulletin site (local: netlify.toml's [[plugins]] names this folder).
//
// Netlify runs the README's build command unchanged; what only Netlify needs happens here.
//
// onPreBuild, before the build command:
//   1. Full git history: the site's first-publication dates, change history and withdrawals are
//      read from git. Netlify clones with full history (a blobless clone), but should a clone
//      ever be shallow (`.git/shallow` exists), `git fetch --unshallow` completes it; if that
//      fails the build goes on and says itself that history is incomplete.
//   2. Decap CMS for the web editor, when the build makes one (BULLETIN_ADMIN, as netlify.toml
//      sets for production): `npm ci --prefix admin`. The build command's `npm ci --omit=dev`
//      installs Pagefind only.
//   3. The previous build: `site/` and `.bulletin-cache/` as the last successful build with the
//      same options left them, so `bulletin build` does only what the change touches.
// onPostBuild, after a successful build command: this build saved for the next one.
//
// Keys. Builds with different options (production with the editor, deploy previews with drafts
// and a banner, ...) alternate on one site, so each set of options has its own slot in Netlify's
// cache: `.bulletin-netlify/<digest of the options>/`, holding `key.json`, `site/` and
// `.bulletin-cache/`. `key.json` names bulletin (pyproject.toml with its version, and the code
// under generator/), the templates, the Node packages' locks and the options; a slot whose key
// differs from this build's is not restored at all (the build starts clean, and the log says
// what changed), and is replaced when this build is saved.
//
// Only Node's own modules; tests/test_ci_netlify.py runs it with a stand-in `utils`.

"use strict";

const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const SLOTS = ".bulletin-netlify";
const SAVED = ["site", ".bulletin-cache"]; // the output folder (netlify.toml: publish) and its cache
const CODE = ["pyproject.toml", "generator"];
const TEMPLATES = ["templates"];
const PACKAGES = ["package-lock.json", "admin/package-lock.json"];
// Every environment variable bulletin reads that changes what a build writes.
const OPTION_VARS = [
  "BULLETIN_ADMIN",
  "BULLETIN_ADMIN_BRANCH",
  "BULLETIN_ADMIN_LOCAL_BACKEND",
  "BULLETIN_ADMIN_REPO",
  "BULLETIN_PAGEFIND",
  "BULLETIN_PREVIEW",
  "BULLETIN_SEARCH_SHARD_MB",
];
const TRUE = /^(1|t|true|y|yes|on)$/i; // click's reading of a boolean flag's environment variable

function filesUnder(root, rel) {
  const full = path.join(root, rel);
  let stat;
  try {
    stat = fs.statSync(full);
  } catch {
    return [];
  }
  if (stat.isFile()) return [rel];
  if (!stat.isDirectory()) return [];
  const out = [];
  for (const name of fs.readdirSync(full).sort()) {
    if (name === "__pycache__" || name === "node_modules" || name.startsWith(".")) continue;
    out.push(...filesUnder(root, path.posix.join(rel, name)));
  }
  return out;
}

// A digest of the named files and folders: every file's path and bytes, in a fixed order.
function digestOf(root, rels) {
  const hash = crypto.createHash("sha256");
  for (const rel of rels) {
    for (const file of filesUnder(root, rel)) {
      const bytes = fs.readFileSync(path.join(root, file));
      hash.update(`${file}\0${bytes.length}\0`);
      hash.update(bytes);
    }
  }
  return hash.digest("hex").slice(0, 32);
}

function options(env, command) {
  const out = { command: command || "" };
  for (const name of OPTION_VARS) out[name] = env[name] || "";
  return out;
}

// What a build with these sources and options would be keyed by.
function cacheKey(root, env, command) {
  return {
    bulletin: digestOf(root, CODE),
    templates: digestOf(root, TEMPLATES),
    packages: digestOf(root, PACKAGES),
    options: options(env, command),
  };
}

function slotOf(key) {
  const digest = crypto.createHash("sha256").update(JSON.stringify(key.options)).digest("hex");
  return path.posix.join(SLOTS, digest.slice(0, 16));
}

// The parts of two keys that differ, for the log.
function differences(old, key) {
  if (!old || typeof old !== "object") return ["no key"];
  return Object.keys(key).filter((part) => JSON.stringify(old[part]) !== JSON.stringify(key[part]));
}

// A copy of `from` at `to` made of hard links (the build has finished writing; Netlify's cache
// copies the files again when it saves them), copying where linking is not possible.
function linkTree(from, to) {
  const stat = fs.lstatSync(from);
  if (stat.isDirectory()) {
    fs.mkdirSync(to, { recursive: true });
    for (const name of fs.readdirSync(from)) linkTree(path.join(from, name), path.join(to, name));
  } else if (stat.isSymbolicLink()) {
    fs.symlinkSync(fs.readlinkSync(from), to);
  } else {
    try {
      fs.linkSync(from, to);
    } catch {
      fs.copyFileSync(from, to);
    }
  }
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

async function fullHistory(root, run, log) {
  if (!fs.existsSync(path.join(root, ".git", "shallow"))) return false;
  log("bulletin: the clone is shallow; fetching the whole git history (first publication and change history come from it)");
  try {
    await run("git", ["fetch", "--unshallow", "--quiet"], { cwd: root });
  } catch (error) {
    log(`bulletin: git fetch --unshallow failed (${error.message}); the build will report incomplete history`);
  }
  return true;
}

async function decap(root, env, run, log) {
  if (!TRUE.test(env.BULLETIN_ADMIN || "")) return false;
  log("bulletin: BULLETIN_ADMIN is set; installing Decap CMS for /admin/ (npm ci --prefix admin)");
  await run("npm", ["ci", "--prefix", "admin", "--no-audit", "--no-fund"], { cwd: root });
  return true;
}

async function restore(root, cache, key, log) {
  const slot = slotOf(key);
  const here = path.join(root, slot);
  if (!(await cache.restore(here))) {
    log(`bulletin: no previous build with these options in the cache (${slot}); building from nothing`);
    return false;
  }
  try {
    const changed = differences(readJson(path.join(here, "key.json")), key);
    if (changed.length) {
      log(`bulletin: the cached build differs in ${changed.join(", ")}; building from nothing`);
      return false;
    }
    for (const name of SAVED) {
      const target = path.join(root, name);
      if (fs.existsSync(path.join(here, name)) && !fs.existsSync(target)) fs.renameSync(path.join(here, name), target);
    }
    log(`bulletin: restored the previous build (${SAVED.join(", ")}) from ${slot}`);
    return true;
  } finally {
    fs.rmSync(here, { recursive: true, force: true });
  }
}

async function save(root, cache, key, log) {
  if (!fs.existsSync(path.join(root, SAVED[0], "index.html"))) {
    log("bulletin: no built site to cache");
    return false;
  }
  const slot = slotOf(key);
  const here = path.join(root, slot);
  fs.rmSync(here, { recursive: true, force: true });
  fs.mkdirSync(here, { recursive: true });
  try {
    fs.writeFileSync(path.join(here, "key.json"), `${JSON.stringify(key, null, 2)}\n`);
    for (const name of SAVED) {
      if (fs.existsSync(path.join(root, name))) linkTree(path.join(root, name), path.join(here, name));
    }
    const saved = await cache.save(here);
    log(saved ? `bulletin: saved this build to the cache (${slot})` : "bulletin: the cache already holds this build");
    return saved;
  } finally {
    fs.rmSync(here, { recursive: true, force: true });
  }
}

function command(netlifyConfig) {
  return (netlifyConfig && netlifyConfig.build && netlifyConfig.build.command) || "";
}

module.exports = {
  async onPreBuild({ utils, netlifyConfig }) {
    const root = process.cwd();
    const log = (message) => console.log(message);
    await fullHistory(root, utils.run, log);
    try {
      await decap(root, process.env, utils.run, log);
    } catch (error) {
      utils.build.failBuild("npm ci --prefix admin failed: Decap CMS is needed for the web editor", { error });
    }
    await restore(root, utils.cache, cacheKey(root, process.env, command(netlifyConfig)), log);
  },
  async onPostBuild({ utils, netlifyConfig }) {
    const root = process.cwd();
    await save(root, utils.cache, cacheKey(root, process.env, command(netlifyConfig)), (m) => console.log(m));
  },
  // Netlify refuses a plugin that exports anything but event handlers.
};
