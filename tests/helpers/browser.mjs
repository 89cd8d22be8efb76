// Headless Chromium for tests: Debian's /usr/bin/chromium driven by playwright-core (never a
// browser download), with the flags this machine needs and a fresh profile per launch.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.KSPACE_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** A new profile directory (removed at exit); pass the same one again to "restart" the browser. */
export function newProfile() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kspace-chromium-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Launches Chromium with a persistent profile; returns the context. */
export async function launch(profileDir = newProfile()) {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/** Collects console errors and uncaught page errors of `page` into `sink`. */
export function watchErrors(page, sink) {
  page.on('console', (msg) => {
    if (msg.type() === 'error') sink.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => sink.push(`pageerror: ${err.message}`));
  return sink;
}

/**
 * Opens an empty page of the site's origin (same OPFS as the demo) for benchmarks. The demo page
 * itself starts the demo app, which opens its own store (and seeds it on a first visit) while the
 * benchmark runs: that competed for the CPU and compiled much of the engine's code in advance.
 */
export async function gotoBlank(page, siteUrl) {
  const blank = new URL('bench-blank.html', siteUrl).href;
  await page.route(blank, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>bench</title>' }));
  await page.goto(blank);
}
