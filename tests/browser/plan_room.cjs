// Browser test of the plan room, in Debian's Chromium driven by playwright-core. Run by
// crates/plansift/tests/api/plan_room.rs against a real server; every input comes from the
// environment:
//   PLANSIFT_ORIGIN       http://127.0.0.1:PORT
//   PLANSIFT_KEY          an API key with every scope
//   PLANSIFT_PLANS        a drawing set (PDF) and PLANSIFT_SPECS a spec section (PDF)
//   PLANSIFT_SHEETS       the sheet numbers the drawing set should give, comma-separated
//   PLANSIFT_SECTION      a section number the spec should give
//   PLANSIFT_SEARCH_WORD  a word printed on the drawings
//   PLANSIFT_SCREENSHOTS  where screenshots go
//   PLAYWRIGHT_CORE       the playwright-core module; CHROMIUM the browser binary
// It asserts on the DOM (and on the API the page talks to), never on pixels; a failed check
// exits non-zero with the reason.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require(process.env.PLAYWRIGHT_CORE || 'playwright-core');

const origin = process.env.PLANSIFT_ORIGIN;
const key = process.env.PLANSIFT_KEY;
const shots = process.env.PLANSIFT_SCREENSHOTS;
const expectedSheets = process.env.PLANSIFT_SHEETS.split(',');
const expectedSection = process.env.PLANSIFT_SECTION;
const word = process.env.PLANSIFT_SEARCH_WORD;
const api = origin + '/api/open/v1';

let checks = 0;
function check(ok, what, detail) {
  checks++;
  if (!ok) throw new Error(`check failed: ${what}${detail === undefined ? '' : ' — ' + JSON.stringify(detail)}`);
  console.log(`ok ${checks} - ${what}`);
}

async function shot(page, name) {
  const file = path.join(shots, name + '.png');
  await page.screenshot({ path: file, fullPage: false });
  console.log(`screenshot ${file}`);
}

async function apiGet(request, p) {
  const r = await request.get(api + p, { headers: { Authorization: 'Bearer ' + key } });
  if (!r.ok()) throw new Error(`GET ${p}: ${r.status()}`);
  return r.json();
}

async function apiPost(request, p, body) {
  const r = await request.post(api + p, { headers: { Authorization: 'Bearer ' + key }, data: body });
  if (!r.ok()) throw new Error(`POST ${p}: ${r.status()} ${await r.text()}`);
  return r.json();
}

/**
 * The rectangle of a locator relative to the page image, in image-normalized units, measured in
 * one script task so that a scroll in progress moves both alike.
 */
async function normalized(page, locator) {
  return locator.evaluate(el => {
    const img = document.querySelector('[data-testid=page-image]').getBoundingClientRect();
    const b = el.getBoundingClientRect();
    return {
      left: (b.left - img.left) / img.width,
      top: (b.top - img.top) / img.height,
      right: (b.right - img.left) / img.width,
      bottom: (b.bottom - img.top) / img.height,
    };
  });
}

const near = (a, b, tolerance) => ['left', 'top', 'right', 'bottom'].every(k => Math.abs(a[k] - b[k]) <= tolerance);
const inside = (inner, outer, slack) =>
  inner.left >= outer.left - slack && inner.top >= outer.top - slack &&
  inner.right <= outer.right + slack && inner.bottom <= outer.bottom + slack;
const overlap = (a, b) => Math.min(a.right, b.right) > Math.max(a.left, b.left) && Math.min(a.bottom, b.bottom) > Math.max(a.top, b.top);

async function imageLoaded(page) {
  await page.waitForFunction(() => {
    const img = document.querySelector('[data-testid=page-image]');
    return img && img.complete && img.naturalWidth > 0;
  });
}

async function main() {
  fs.mkdirSync(shots, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 960 }, acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', e => problems.push('page error: ' + e.message));
  page.on('console', m => { if (m.type() === 'error') problems.push('console error: ' + m.text()); });
  try {
    await run(page, context.request);
    // A refused key is answered 401 on purpose above; anything else on the console is a defect.
    const unexpected = problems.filter(p => !p.includes('401'));
    check(unexpected.length === 0, 'no script errors, CSP violations or failed loads', unexpected);
  } finally {
    await browser.close();
  }
  console.log(`${checks} checks passed`);
}

async function run(page, request) {
  // --- Sign in: a wrong key is refused, the right one is kept in session storage.
  await page.goto(origin + '/');
  await page.getByTestId('signin').waitFor();
  await page.getByTestId('key-input').fill('pgk_live_' + 'x'.repeat(32));
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('signin-error').filter({ hasText: 'refused' }).waitFor();
  check(true, 'a wrong key is refused');
  await shot(page, '01-sign-in-refused');
  await page.getByTestId('key-input').fill(key);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('project-create').waitFor();
  check(await page.evaluate(() => sessionStorage.getItem('plansift.apiKey')) === key, 'the key is kept in sessionStorage');
  check(await page.evaluate(() => localStorage.length) === 0, 'nothing is written to localStorage');

  // --- A project, and a new job by dropping two files on the drop zone.
  const projectName = `Plan room ${Date.now()}`;
  await page.getByTestId('project-name').fill(projectName);
  await page.getByTestId('project-create').click();
  await page.getByTestId('dropzone').waitFor();
  const projectId = page.url().split('#/p/')[1];
  check(/^proj_[0-9a-z]{26}$/.test(projectId), 'the new project opens', page.url());
  const files = [process.env.PLANSIFT_PLANS, process.env.PLANSIFT_SPECS].map(f => ({
    name: path.basename(f), b64: fs.readFileSync(f).toString('base64'),
  }));
  const transfer = await page.evaluateHandle(list => {
    const dt = new DataTransfer();
    for (const f of list) {
      const bin = atob(f.b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], f.name, { type: 'application/pdf' }));
    }
    return dt;
  }, files);
  await page.dispatchEvent('[data-testid=dropzone]', 'dragover', { dataTransfer: transfer });
  check(await page.getByTestId('dropzone').evaluate(e => e.classList.contains('over')), 'the drop zone lights up on drag over');
  await page.dispatchEvent('[data-testid=dropzone]', 'drop', { dataTransfer: transfer });
  await page.getByTestId('upload-row').nth(1).waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=upload-state]')]
    .every(s => s.textContent.includes('processing')), null, { timeout: 60000 });
  const bars = await page.$$eval('[data-testid=upload-row] progress', ps => ps.map(p => [p.value, p.max]));
  check(bars.length === 2 && bars.every(([v, m]) => v === m && m > 0), 'each file shows a full progress bar', bars);
  await shot(page, '02-uploaded');

  // --- The job row goes live to completed.
  await page.locator('[data-testid=job-row][data-status=completed]').waitFor({ timeout: 180000 });
  const jobText = await page.getByTestId('job-row').first().innerText();
  check(/completed/.test(jobText), 'the job row shows completed', jobText);
  await page.getByTestId('file-row').nth(1).waitFor();
  check(await page.getByTestId('file-row').count() === 2, 'both files are listed');
  await shot(page, '03-job-completed');

  // --- The sheet grid: one tile per sheet, numbers as the API and the labels say.
  await page.getByTestId('tab-sheets').click();
  await page.getByTestId('sheet-grid').waitFor();
  const tiles = page.getByTestId('sheet-tile');
  const numbers = await tiles.evaluateAll(ts => ts.map(t => t.dataset.sheetNumber));
  const apiSheets = (await apiGet(request, `/projects/${projectId}/sheets?limit=500`)).sheets;
  check(JSON.stringify(numbers) === JSON.stringify(apiSheets.map(s => s.sheetNumber)), 'the grid shows the API’s sheets in order', numbers);
  check(JSON.stringify([...numbers].sort()) === JSON.stringify([...expectedSheets].sort()), 'the sheet numbers are the labelled ones', numbers);
  await page.waitForFunction(n => {
    const imgs = [...document.querySelectorAll('[data-testid=sheet-tile] img')];
    return imgs.length === n && imgs.every(i => i.complete && i.naturalWidth > 0);
  }, numbers.length);
  check(true, 'every tile shows its thumbnail');
  await shot(page, '04-sheet-grid');
  // The filters narrow the grid to what the API says has that value.
  const types = await page.getByTestId('filter-drawingType').locator('option').evaluateAll(os => os.map(o => o.value).filter(Boolean));
  check(types.length >= 1, 'the drawing type filter offers the types present', types);
  await page.getByTestId('filter-drawingType').selectOption(types[0]);
  await page.waitForFunction(t => location.hash.includes('drawingType=' + t), types[0]);
  await page.getByTestId('sheet-grid').waitFor();
  const filtered = await page.getByTestId('sheet-tile').count();
  const byType = (await apiGet(request, `/projects/${projectId}/sheets?drawingType=${types[0]}`)).sheets.length;
  check(filtered === byType, `the ${types[0]} filter shows ${byType} sheets`, filtered);
  const disciplines = await page.getByTestId('filter-discipline').locator('option').evaluateAll(os => os.map(o => o.value).filter(Boolean));
  check(disciplines.length >= 1, 'the discipline filter offers the disciplines present', disciplines);
  await page.getByTestId('filter-drawingType').selectOption('');
  await page.waitForFunction(() => !location.hash.includes('drawingType='));

  // --- A sheet: its title block and number boxes are drawn where the API (and the text) put them.
  const target = expectedSheets[1] || expectedSheets[0];
  await page.locator(`[data-testid=sheet-tile][data-sheet-number="${target}"]`).click();
  await page.getByTestId('sheet-title').waitFor();
  await imageLoaded(page);
  const sheet = apiSheets.find(s => s.sheetNumber === target);
  check((await page.getByTestId('field-sheet-number').innerText()).includes(target), 'the sheet view names the sheet number');
  check(/confidence \d+%/.test(await page.getByTestId('field-sheet-number').innerText()), 'the field shows its confidence');
  const numberBox = await normalized(page, page.getByTestId('box-sheet-number'));
  const titleBlockBox = await normalized(page, page.getByTestId('box-title-block'));
  check(near(numberBox, sheet.fields.sheetNumber.box, 0.004), 'the number box is drawn at the API’s field box', { numberBox, api: sheet.fields.sheetNumber.box });
  check(inside(numberBox, titleBlockBox, 0.004), 'the number box lies inside the title block box', { numberBox, titleBlockBox });
  // The page's own text: grep for the number on that page lands inside the drawn box.
  const grep = await apiPost(request, `/projects/${projectId}/grep`, { pattern: target, fileId: sheet.fileId, pageNumber: sheet.pageNumber, wholeWord: true });
  check(grep.hits.some(hit => overlap(hit.match.box, numberBox)), 'the printed number lies under the drawn box', grep.hits.map(x => x.match.box));
  const regions = await page.getByTestId('box-region').count();
  check(regions === sheet.regionIds.length, 'every region of the sheet is drawn', { regions, api: sheet.regionIds.length });
  await shot(page, '05-sheet-view');
  await page.getByTestId('evidence').locator('li', { hasText: 'Sheet number' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid=box-sheet-number]').classList.contains('selected'));
  check((await page.getByTestId('zoom').innerText()) === '200%', 'choosing evidence zooms to its box');
  await page.waitForFunction(() => {
    const img = document.querySelector('[data-testid=page-image]');
    return img.dataset.width === '2048' && img.complete && Math.max(img.naturalWidth, img.naturalHeight) === 2048;
  });
  check(true, 'zoomed in, the page is drawn again at 2048 px');
  await page.waitForTimeout(600);
  await shot(page, '06-sheet-number-zoomed');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-crop').click()]);
  const bytes = fs.readFileSync(await download.path());
  check(bytes.subarray(0, 5).toString() === '%PDF-', 'the vector crop downloads as a PDF', download.suggestedFilename());

  // --- The spec book view: sections with their parts and page ranges.
  await page.getByRole('link', { name: projectName }).click();
  await page.getByTestId('tab-specs').click();
  await page.getByTestId('spec-book').waitFor();
  const sections = await page.getByTestId('spec-section').allInnerTexts();
  check(sections.some(s => s.startsWith(expectedSection)), `the spec view lists ${expectedSection}`, sections);
  check(sections.some(s => /PART 1/.test(s) && /pp?\. \d+/.test(s)), 'sections show their parts with page ranges', sections);
  await shot(page, '07-spec-book');

  // --- Search a word and land on the page with the match boxes highlighted.
  await page.getByTestId('tab-search').click();
  await page.getByTestId('search-input').fill(word);
  await page.getByTestId('search-submit').click();
  await page.getByTestId('hit').first().waitFor();
  check(await page.locator('[data-testid=hit] mark').count() > 0, 'ranked hits mark the matched words');
  await shot(page, '08-search-hits');
  await page.getByTestId('hit').first().locator('a').click();
  await page.getByTestId('box-hit').first().waitFor({ state: 'attached' });
  await imageLoaded(page);
  const hitCount = await page.getByTestId('box-hit').count();
  check(hitCount >= 1, `the page highlights “${word}”`, hitCount);
  const matchText = await page.getByTestId('match-count').innerText();
  check(matchText.startsWith(`${hitCount} match`), 'the side panel counts the highlighted matches', matchText);
  const pageInfo = page.url().match(/page\/(doc_[0-9a-z]+)\/(\d+)/);
  const pageGrep = await apiPost(request, `/projects/${projectId}/grep`, {
    pattern: word, fileId: pageInfo[1], pageNumber: Number(pageInfo[2]), wholeWord: true, maxHits: 1000,
  });
  const first = await normalized(page, page.getByTestId('box-hit').first());
  check(pageGrep.hits.some(x => near(x.match.box, first, 0.004)), 'a highlight sits on a word the text layer has there', first);
  await page.waitForTimeout(600);
  await shot(page, '09-search-landed');
  // Exact text (grep) mode finds a sheet number and lands on its sheet's page.
  await page.getByTestId('tab-search').click();
  await page.getByTestId('search-input').fill(target);
  await page.getByTestId('search-mode').selectOption('grep');
  await page.getByTestId('search-submit').click();
  await page.getByTestId('hit').first().waitFor();
  await page.getByTestId('hit').filter({ hasText: target }).first().locator('a').click();
  await page.getByTestId('box-hit').first().waitFor({ state: 'attached' });
  await imageLoaded(page);
  const hits = await page.getByTestId('box-hit').all();
  const drawn = await Promise.all(hits.map(l => normalized(page, l)));
  check(drawn.some(b => overlap(b, sheet.fields.sheetNumber.box)), 'grep lands on the page with the sheet number highlighted', drawn);
  await page.waitForTimeout(600);
  await shot(page, '10-grep-landed');

  // --- The API reference lists every operation of the OpenAPI document.
  const spec = await (await request.get(api + '/openapi.json')).json();
  const ops = Object.values(spec.paths).reduce((n, item) => n + Object.keys(item).length, 0);
  await page.goto(origin + '/reference');
  await page.getByTestId('operation').first().waitFor();
  check(await page.getByTestId('operation').count() === ops, `the reference shows all ${ops} operations`);
  check(await page.locator('[data-testid=error-codes] li').count() === spec.components.schemas.Error.properties.error.properties.code.enum.length, 'the reference lists every error code');
  await shot(page, '11-api-reference');

  // --- Signing out forgets the key.
  await page.goto(origin + '/');
  await page.locator('#signout').click();
  await page.getByTestId('signin').waitFor();
  check(await page.evaluate(() => sessionStorage.getItem('plansift.apiKey')) === null, 'signing out forgets the key');
}

main().catch(e => {
  console.error(e.stack || String(e));
  process.exit(1);
});
