// The Plansift plan room: a single page over the public API (/api/open/v1), with no framework
// and no build step. The API key lives in this tab's sessionStorage and is sent as a bearer
// token; artifact images are fetched with it and shown from blob URLs. Every text from the
// server goes into the page as text, never as markup.
'use strict';
(() => {
  const API = '/api/open/v1';
  const STORE = 'plansift.apiKey';
  const app = document.getElementById('app');
  const crumbs = document.getElementById('crumbs');
  const signoutButton = document.getElementById('signout');
  const TERMINAL = ['completed', 'completed_with_errors', 'failed', 'cancelled', 'expired'];
  // Each navigation bumps the generation; work started for an older one drops its output.
  let generation = 0;
  let timers = [];
  let signInMessage = '';

  const apiKey = () => sessionStorage.getItem(STORE);
  const sleep = ms => new Promise(r => setTimeout(r, ms));

  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const kid of kids.flat()) {
      if (kid == null || kid === false) continue;
      el.append(kid instanceof Node ? kid : String(kid));
    }
    return el;
  }

  function svg(tag, attrs) {
    const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
    return el;
  }

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  /** One API call: JSON in and out, 429s waited out, a refused key signs the tab out. */
  async function api(path, opts = {}) {
    for (let attempt = 0; ; attempt++) {
      const headers = Object.assign({ Authorization: 'Bearer ' + apiKey() }, opts.headers || {});
      let body = opts.body;
      if (opts.json !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(opts.json);
      }
      const r = await fetch(API + path, { method: opts.method || 'GET', headers, body });
      if (r.status === 429 && attempt < 5) {
        await sleep(1000 * (Number(r.headers.get('Retry-After')) || 1));
        continue;
      }
      if (!r.ok) {
        let e = {};
        try {
          e = (await r.json()).error || {};
        } catch (_) { /* not JSON */ }
        const err = new ApiError(r.status, e.code || 'http_' + r.status, e.message || r.statusText);
        if (r.status === 401 && !opts.signingIn) signOut('The server refused the key; sign in again.');
        throw err;
      }
      return opts.raw ? r : r.json();
    }
  }

  /** Every row of a paginated project read. */
  async function listAll(path, field, params = {}) {
    const out = [];
    let cursor = null;
    do {
      const q = new URLSearchParams(Object.assign({ limit: '500', compact: 'true' }, params));
      if (cursor) q.set('cursor', cursor);
      const page = await api(`${path}?${q}`);
      out.push(...page[field]);
      cursor = page.hasMore ? page.nextCursor : null;
    } while (cursor);
    return out;
  }

  // Artifact bytes need the bearer header, so images are fetched and shown from blob URLs.
  const blobs = new Map();
  function artifactBlob(project, path) {
    return cachedBlob(`/projects/${project}/artifact?path=${encodeURIComponent(path)}`);
  }
  function cachedBlob(apiPath) {
    const k = apiPath;
    if (!blobs.has(k)) {
      if (blobs.size > 400) {
        const [oldest, url] = blobs.entries().next().value;
        blobs.delete(oldest);
        url.then(u => URL.revokeObjectURL(u), () => {});
      }
      const url = api(apiPath, { raw: true })
        .then(r => r.blob())
        .then(b => URL.createObjectURL(b));
      url.catch(() => blobs.delete(k));
      blobs.set(k, url);
    }
    return blobs.get(k);
  }

  const lazy = new IntersectionObserver(entries => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      lazy.unobserve(e.target);
      e.target.load();
    }
  }, { rootMargin: '300px' });

  function artifactImage(project, path, alt, eager) {
    const img = h('img', { alt, 'data-path': path });
    img.load = () => artifactBlob(project, path)
      .then(u => { img.src = u; })
      .catch(() => { img.alt = alt + ' (not available)'; });
    if (eager) img.load();
    else lazy.observe(img);
    return img;
  }

  async function download(project, path, fileName) {
    const url = await artifactBlob(project, path);
    const a = h('a', { href: url, download: fileName });
    document.body.append(a);
    a.click();
    a.remove();
  }

  function randomKey() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
  }

  // --- small pieces --------------------------------------------------------------------------

  const when = t => (t ? new Date(t).toLocaleString() : '');
  const statusChip = s => h('span', { class: 'status ' + s, 'data-testid': 'status' }, s.replaceAll('_', ' '));
  const pct = c => (c == null ? '' : Math.round(c * 100) + '%');

  function table(headings, rows, testid) {
    return h('table', { 'data-testid': testid },
      h('thead', {}, h('tr', {}, headings.map(t => h('th', {}, t)))),
      h('tbody', {}, rows));
  }

  function setCrumbs(list) {
    crumbs.replaceChildren(...list.flatMap(([label, href], i) => [
      i ? h('span', {}, '›') : null,
      href ? h('a', { href }, label) : h('span', {}, label),
    ]).filter(Boolean));
  }

  function tabs(project, active) {
    const p = project.id;
    setCrumbs([['Projects', '#/'], [project.name, `#/p/${p}`]]);
    const tab = (key, label, href) => h('a', { href, class: key === active ? 'active' : null, 'data-testid': 'tab-' + key }, label);
    return h('nav', { class: 'tabs' },
      tab('overview', 'Files & jobs', `#/p/${p}`),
      tab('sheets', 'Sheets', `#/p/${p}/sheets`),
      tab('specs', 'Specifications', `#/p/${p}/specs`),
      tab('search', 'Search', `#/p/${p}/search`));
  }

  /** «marked» terms of a search snippet as <mark> elements. */
  function snippet(text) {
    return (text || '').split(/(«[^»]*»)/).map(part =>
      part.startsWith('«') && part.endsWith('»') ? h('mark', {}, part.slice(1, -1)) : part);
  }

  function escapeRegex(s) {
    return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }

  // --- routing -------------------------------------------------------------------------------

  function route() {
    const raw = location.hash.replace(/^#/, '') || '/';
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    return {
      parts: path.split('/').filter(Boolean).map(decodeURIComponent),
      query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)),
    };
  }

  async function render() {
    const gen = ++generation;
    timers.forEach(clearInterval);
    timers = [];
    signoutButton.hidden = !apiKey();
    if (!apiKey()) return showSignIn();
    const { parts, query } = route();
    app.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
    try {
      if (parts.length === 0) return await showProjects(gen);
      if (parts[0] === 'p' && parts[1]) {
        const [, p, view, a, b] = parts;
        if (!view) return await showProject(gen, p);
        if (view === 'sheets' && a) return await showSheet(gen, p, a);
        if (view === 'sheets') return await showSheets(gen, p, query);
        if (view === 'specs') return await showSpecs(gen, p);
        if (view === 'search') return await showSearch(gen, p, query);
        if (view === 'page' && a && b) return await showPage(gen, p, a, Number(b), query);
      }
      app.replaceChildren(h('p', {}, 'No such page. ', h('a', { href: '#/' }, 'Projects')));
    } catch (e) {
      if (gen === generation && apiKey()) {
        app.replaceChildren(h('p', { class: 'error', 'data-testid': 'error' }, e.message));
      }
    }
  }

  const live = gen => gen === generation;
  function mount(gen, ...nodes) {
    if (live(gen)) app.replaceChildren(...nodes);
    return live(gen);
  }

  // --- sign in -------------------------------------------------------------------------------

  function signOut(message) {
    sessionStorage.removeItem(STORE);
    signInMessage = message || '';
    signoutButton.hidden = true;
    generation++;
    showSignIn();
  }

  function showSignIn() {
    setCrumbs([]);
    const input = h('input', { type: 'password', id: 'api-key', autocomplete: 'off', placeholder: 'pgk_live_…', 'data-testid': 'key-input' });
    const message = h('p', { class: 'error', 'data-testid': 'signin-error' }, signInMessage);
    signInMessage = '';
    const form = h('form', {
      class: 'card signin', 'data-testid': 'signin',
      onsubmit: async ev => {
        ev.preventDefault();
        const key = input.value.trim();
        if (!key) return;
        sessionStorage.setItem(STORE, key);
        try {
          await api('/projects', { signingIn: true });
          render();
        } catch (e) {
          sessionStorage.removeItem(STORE);
          message.textContent = e.status === 401 ? 'The server refused that key.' : e.message;
        }
      },
    },
    h('h1', {}, 'Sign in'),
    h('label', { for: 'api-key' }, 'API key'), input,
    h('button', { class: 'primary', type: 'submit', 'data-testid': 'signin-submit' }, 'Sign in'),
    h('p', { class: 'muted' }, 'The key is kept in this tab’s session storage and sent only to this server.'),
    message);
    app.replaceChildren(form);
    input.focus();
  }

  // --- projects ------------------------------------------------------------------------------

  async function showProjects(gen) {
    setCrumbs([['Projects', null]]);
    const { projects } = await api('/projects');
    const name = h('input', { placeholder: 'New project name', maxlength: 200, 'data-testid': 'project-name' });
    const error = h('span', { class: 'error' });
    const form = h('form', {
      class: 'row',
      onsubmit: async ev => {
        ev.preventDefault();
        if (!name.value.trim()) return;
        try {
          const r = await api('/projects', { method: 'POST', json: { name: name.value.trim() }, headers: { 'Idempotency-Key': randomKey() } });
          location.hash = `#/p/${r.project.id}`;
        } catch (e) {
          error.textContent = e.message;
        }
      },
    }, name, h('button', { class: 'primary', type: 'submit', 'data-testid': 'project-create' }, 'Create project'), error);
    const rows = projects.map(p => h('tr', { 'data-testid': 'project-row' },
      h('td', {}, h('a', { href: `#/p/${p.id}` }, p.name)),
      h('td', {}, statusChip(p.status)),
      h('td', { class: 'muted' }, when(p.createdAt))));
    mount(gen, h('h1', {}, 'Projects'), form, h('h2', {}, `${projects.length} project${projects.length === 1 ? '' : 's'}`),
      projects.length ? table(['Name', 'Status', 'Created'], rows, 'projects') : h('p', { class: 'muted' }, 'No projects yet.'));
  }

  async function waitReady(p) {
    for (;;) {
      const { project } = await api(`/projects/${p}`);
      if (project.status === 'ready') return;
      await sleep(500);
    }
  }

  // --- a project's files and jobs, and uploads -----------------------------------------------

  function jobRow(job) {
    const { pagesDone, pagesTotal } = job.progress;
    return h('tr', { 'data-testid': 'job-row', 'data-job-id': job.id, 'data-status': job.status },
      h('td', {}, h('code', {}, job.id), job.externalId ? h('div', { class: 'muted' }, job.externalId) : null),
      h('td', {}, statusChip(job.status), job.error ? h('div', { class: 'error' }, job.error.message) : null),
      h('td', {}, h('progress', { max: Math.max(pagesTotal, 1), value: pagesDone }), ` ${pagesDone}/${pagesTotal}`),
      h('td', {}, job.files.map(f => h('div', {}, f.fileName))),
      h('td', {}, String(job.billing.creditsDebited)),
      h('td', { class: 'muted' }, when(job.createdAt)));
  }

  function fileRow(p, f) {
    return h('tr', { 'data-testid': 'file-row' },
      h('td', {}, f.fileName),
      h('td', {}, f.classification || ''),
      h('td', {}, statusChip(f.status)),
      h('td', {}, String(f.pageCount ?? '')),
      h('td', {}, String(f.sheetCount ?? '')),
      h('td', {}, h('a', { href: `#/p/${p}/page/${f.fileId}/1` }, 'open')));
  }

  async function showProject(gen, p) {
    const { project } = await api(`/projects/${p}`);
    const jobsBox = h('div', {});
    const filesBox = h('div', {});
    const refresh = async () => {
      const [{ jobs }, files] = await Promise.all([api(`/projects/${p}/jobs`), listAll(`/projects/${p}/files`, 'files')]);
      if (!live(gen)) return;
      jobsBox.replaceChildren(jobs.length
        ? table(['Job', 'Status', 'Pages', 'Files', 'Credits', 'Created'], jobs.map(jobRow), 'jobs')
        : h('p', { class: 'muted' }, 'No jobs yet.'));
      filesBox.replaceChildren(files.length
        ? table(['File', 'Classification', 'Status', 'Pages', 'Sheets', ''], files.map(f => fileRow(p, f)), 'files')
        : h('p', { class: 'muted' }, 'Processed files appear here.'));
    };
    await refresh();
    const checks = h('div', { 'data-testid': 'checks' });
    if (!mount(gen, tabs(project, 'overview'), uploadZone(p, refresh), h('h2', {}, 'Jobs'), jobsBox, h('h2', {}, 'Files'), filesBox,
      h('h2', {}, 'Checks'), checks)) return;
    showChecks(p, checks).catch(e => checks.replaceChildren(h('p', { class: 'error' }, e.message)));
    timers.push(setInterval(() => { if (live(gen)) refresh().catch(() => {}); }, 2000));
  }

  /** The sheet index findings and the references that lead nowhere. */
  async function showChecks(p, box) {
    const [report, broken] = await Promise.all([
      api(`/projects/${p}/sheet-index-report`),
      Promise.all(['missing_sheet', 'missing_detail', 'missing_section'].map(s =>
        api(`/projects/${p}/references?status=${s}&limit=100`))),
    ]);
    const findings = report.reports.flatMap(r => r.findings.map(f => h('tr', { 'data-testid': 'index-finding' },
      h('td', {}, f.type.replaceAll('_', ' ')), h('td', {}, f.sheetNumber),
      h('td', {}, f.listedTitle || ''), h('td', {}, f.issuedNumber && f.issuedNumber !== f.sheetNumber ? `${f.issuedNumber} — ` : '', f.issuedTitle || ''),
      h('td', {}, f.sheetId ? h('a', { href: `#/p/${p}/sheets/${f.sheetId}` }, 'sheet') : r.fileName))));
    const refs = broken.flatMap(b => b.references).map(r => h('tr', { 'data-testid': 'broken-reference' },
      h('td', {}, r.status.replaceAll('_', ' ')), h('td', {}, r.text),
      h('td', {}, h('a', { href: `#/p/${p}/sheets/${r.sheetId}` }, r.sheetNumber || r.fileName))));
    box.replaceChildren(
      report.reports.length
        ? table(['Sheet index', 'Number', 'Listed title', 'Issued', ''], findings.length ? findings : [h('tr', {}, h('td', {}, 'The drawing list matches the sheets issued.'))], 'index-findings')
        : h('p', { class: 'muted' }, 'No drawing list (sheet index) found in this project.'),
      h('p', {}),
      refs.length ? table(['Reference', 'As printed', 'On sheet'], refs, 'broken-references')
        : h('p', { class: 'muted' }, 'Every reference printed on the sheets leads somewhere.'));
  }

  function uploadForm(jobId, row) {
    return new Promise((resolve, reject) => {
      const form = new FormData();
      form.append('metadata', JSON.stringify({ files: [{ partName: 'file0', fileName: row.file.name, contentType: 'application/pdf' }] }));
      form.append('file0', row.file, row.file.name);
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `${API}/jobs/${jobId}/files`);
      xhr.setRequestHeader('Authorization', 'Bearer ' + apiKey());
      xhr.upload.onprogress = e => {
        if (!e.lengthComputable) return;
        row.bar.max = e.total;
        row.bar.value = e.loaded;
        row.state.textContent = Math.round((100 * e.loaded) / e.total) + '%';
      };
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          row.bar.value = row.bar.max;
          resolve(JSON.parse(xhr.responseText));
          return;
        }
        let message = xhr.statusText;
        try {
          message = JSON.parse(xhr.responseText).error.message;
        } catch (_) { /* not JSON */ }
        reject(new Error(message));
      };
      xhr.onerror = () => reject(new Error('the upload was interrupted'));
      xhr.send(form);
    });
  }

  /** Files dropped here (or chosen) become one new job: upload each with progress, then complete. */
  function uploadZone(p, onChange) {
    const list = h('div', { class: 'uploads', 'data-testid': 'upload-list' });
    const input = h('input', { type: 'file', multiple: true, accept: 'application/pdf,.pdf', hidden: true, 'data-testid': 'file-input' });
    const zone = h('div', { class: 'dropzone', 'data-testid': 'dropzone' },
      h('p', {}, 'Drop PDF drawing sets, spec books or addenda here to process them as a new job, or ',
        h('a', { href: '#', onclick: ev => { ev.preventDefault(); input.click(); } }, 'choose files'), '.'),
      input, list);
    input.addEventListener('change', () => { start([...input.files]); input.value = ''; });
    zone.addEventListener('dragover', ev => { ev.preventDefault(); zone.classList.add('over'); });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', ev => {
      ev.preventDefault();
      zone.classList.remove('over');
      start([...(ev.dataTransfer?.files || [])]);
    });

    async function start(files) {
      const pdfs = files.filter(f => f.type === 'application/pdf' || /\.pdf$/i.test(f.name));
      if (pdfs.length < files.length) list.append(h('div', { class: 'error' }, 'Only PDF files are processed; others were left out.'));
      if (!pdfs.length) return;
      const rows = pdfs.map(file => {
        const bar = h('progress', { max: Math.max(file.size, 1), value: 0 });
        const state = h('span', { class: 'muted', 'data-testid': 'upload-state' }, 'waiting');
        list.append(h('div', { 'data-testid': 'upload-row' }, h('span', {}, file.name), bar, state));
        return { file, bar, state, done: false };
      });
      try {
        await waitReady(p);
        const { job } = await api(`/projects/${p}/jobs`, { method: 'POST', json: {}, headers: { 'Idempotency-Key': randomKey() } });
        for (const row of rows) {
          await uploadForm(job.id, row);
          row.state.textContent = 'uploaded';
          row.done = true;
        }
        await api(`/jobs/${job.id}/uploads/complete`, { method: 'POST', json: {} });
        rows.forEach(r => { r.state.textContent = 'uploaded — processing'; });
        onChange().catch(() => {});
      } catch (e) {
        rows.filter(r => !r.done).forEach(r => { r.state.textContent = 'failed: ' + e.message; r.state.className = 'error'; });
      }
    }
    return zone;
  }

  // --- sheets --------------------------------------------------------------------------------

  const thumbnailOf = entity => (entity.artifacts || []).find(a => a.type === 'thumbnail');

  async function showSheets(gen, p, query) {
    const [{ project }, sheets] = await Promise.all([api(`/projects/${p}`), listAll(`/projects/${p}/sheets`, 'sheets')]);
    const discipline = query.get('discipline') || '';
    const drawingType = query.get('drawingType') || '';
    const values = key => [...new Set(sheets.map(s => s[key]).filter(Boolean))].sort();
    const select = (key, label, value) => h('select', {
      'data-testid': 'filter-' + key,
      onchange: ev => {
        const q = new URLSearchParams(query);
        if (ev.target.value) q.set(key, ev.target.value); else q.delete(key);
        location.hash = `#/p/${p}/sheets?${q}`;
      },
    }, h('option', { value: '' }, `Every ${label}`),
    values(key).map(v => h('option', { value: v, selected: v === value }, v.replaceAll('_', ' '))));
    const everyVersion = query.get('versions') === 'all';
    const shown = sheets.filter(s => (!discipline || s.discipline === discipline) && (!drawingType || s.drawingType === drawingType)
      && (everyVersion || s.current !== false));
    const superseded = sheets.filter(s => s.current === false).length;
    const versionsToggle = superseded ? h('label', {}, h('input', {
      type: 'checkbox', checked: everyVersion, 'data-testid': 'filter-versions',
      onchange: ev => {
        const q = new URLSearchParams(query);
        if (ev.target.checked) q.set('versions', 'all'); else q.delete('versions');
        location.hash = `#/p/${p}/sheets?${q}`;
      },
    }), ` show ${superseded} superseded`) : null;
    const tiles = shown.map(s => {
      const thumb = thumbnailOf(s);
      return h('a', { class: 'tile', href: `#/p/${p}/sheets/${s.sheetId}`, 'data-testid': 'sheet-tile', 'data-sheet-number': s.sheetNumber || '' },
        h('div', { class: 'thumb' }, thumb ? artifactImage(p, thumb.path, `Sheet ${s.sheetNumber || s.pageNumber}`) : h('span', { class: 'muted' }, 'no image')),
        h('div', { class: 'meta' },
          h('div', { class: 'number' }, s.sheetNumber || `page ${s.pageNumber}`),
          h('div', { class: 'title' }, s.sheetName || 'untitled'),
          s.current === false ? h('div', { class: 'muted' }, 'superseded') : null,
          h('div', {}, s.discipline ? h('span', { class: 'chip' }, s.discipline.replaceAll('_', ' ')) : null,
            s.drawingType ? h('span', { class: 'chip' }, s.drawingType.replaceAll('_', ' ')) : null)));
    });
    mount(gen, tabs(project, 'sheets'),
      h('div', { class: 'row' }, select('discipline', 'discipline', discipline), select('drawingType', 'drawing type', drawingType), versionsToggle,
        h('span', { class: 'muted', 'data-testid': 'sheet-count' }, `${shown.length} of ${sheets.length} sheets`)),
      h('p', {}),
      shown.length ? h('div', { class: 'grid', 'data-testid': 'sheet-grid' }, tiles) : h('p', { class: 'muted' }, 'No sheets yet.'));
  }

  /**
   * A zoomable page image with boxes over it. `boxes`: [{box, cls, label, testid}] in the
   * normalized page frame of API.md §6 (0–1, origin top-left).
   */
  function pageViewer(p, imagePath, size, boxes, source) {
    const img = imagePath ? artifactImage(p, imagePath, 'Page image', true) : h('p', { class: 'muted' }, 'No page image.');
    img.setAttribute('data-testid', 'page-image');
    const overlay = svg('svg', { viewBox: '0 0 1000 1000', preserveAspectRatio: 'none', 'data-testid': 'overlay' });
    for (const b of boxes) {
      if (!b.box) continue;
      const rect = svg('rect', {
        x: b.box.left * 1000, y: b.box.top * 1000,
        width: Math.max((b.box.right - b.box.left) * 1000, 1), height: Math.max((b.box.bottom - b.box.top) * 1000, 1),
        class: 'box ' + b.cls, 'data-testid': b.testid,
      });
      const title = svg('title', {});
      title.textContent = b.label || '';
      rect.append(title);
      overlay.append(rect);
      b.rect = rect;
    }
    const stage = h('div', { class: 'stage' }, img, overlay);
    if (size && size.width && size.height) stage.style.aspectRatio = `${size.width} / ${size.height}`;
    img.addEventListener('load', () => { stage.style.aspectRatio = `${img.naturalWidth} / ${img.naturalHeight}`; });
    const wrap = h('div', { class: 'stage-wrap', 'data-testid': 'stage' }, stage);
    let zoom = 1;
    // Zoomed in, the page is drawn again larger than its thumbnail (once per size).
    let drawnWidth = 1024;
    let pinned = false;
    const sharpen = () => {
      if (!source || pinned) return;
      const want = zoom >= 2.5 ? 4096 : zoom > 1.2 ? 2048 : 0;
      if (want <= drawnWidth) return;
      drawnWidth = want;
      cachedBlob(`/projects/${p}/files/${source.fileId}/pages/${source.page}/image?width=${want}`)
        .then(u => { if (!pinned) { img.src = u; img.dataset.width = String(want); } })
        .catch(() => {});
    };
    const label = h('span', { class: 'muted', 'data-testid': 'zoom' }, '100%');
    const setZoom = z => {
      zoom = Math.min(Math.max(z, 0.25), 8);
      stage.style.width = zoom * 100 + '%';
      label.textContent = Math.round(zoom * 100) + '%';
      sharpen();
    };
    setZoom(1);
    wrap.addEventListener('wheel', ev => {
      if (!ev.ctrlKey) return;
      ev.preventDefault();
      setZoom(zoom * (ev.deltaY < 0 ? 1.2 : 1 / 1.2));
    }, { passive: false });
    const focus = box => {
      if (!box) return;
      requestAnimationFrame(() => {
        const w = stage.clientWidth;
        const hgt = stage.clientHeight;
        wrap.scrollTo({
          left: ((box.left + box.right) / 2) * w - wrap.clientWidth / 2,
          top: ((box.top + box.bottom) / 2) * hgt - wrap.clientHeight / 2,
          behavior: 'smooth',
        });
      });
    };
    const select = b => {
      boxes.forEach(x => x.rect && x.rect.classList.toggle('selected', x === b));
      if (b && b.box) {
        if (zoom < 2) setZoom(2);
        focus(b.box);
      }
    };
    const toolbar = h('div', { class: 'toolbar' },
      h('button', { type: 'button', onclick: () => setZoom(zoom / 1.5), 'aria-label': 'Zoom out', 'data-testid': 'zoom-out' }, '−'),
      h('button', { type: 'button', onclick: () => setZoom(1), 'data-testid': 'zoom-fit' }, 'Fit'),
      h('button', { type: 'button', onclick: () => setZoom(zoom * 1.5), 'aria-label': 'Zoom in', 'data-testid': 'zoom-in' }, '+'),
      label, h('span', { class: 'muted' }, 'Ctrl + wheel zooms.'));
    // Another image of the page in the same frame (the revision diff); `null` goes back.
    const setImage = path => {
      pinned = Boolean(path);
      if (path) return artifactBlob(p, path).then(u => { img.src = u; });
      drawnWidth = 1024;
      return artifactBlob(p, imagePath).then(u => { img.src = u; sharpen(); });
    };
    return { element: h('div', {}, toolbar, wrap), select, setZoom, focus, setImage };
  }

  function evidenceList(boxes, viewer) {
    return h('ul', { class: 'evidence', 'data-testid': 'evidence' }, boxes.filter(b => b.box).map(b =>
      h('li', { onclick: () => viewer.select(b), title: 'Show on the page' },
        h('strong', {}, b.label), b.text ? h('div', { class: 'muted' }, b.text.slice(0, 160)) : null)));
  }

  async function showSheet(gen, p, sheetId) {
    const [{ project }, { sheet }, regions, versions] = await Promise.all([
      api(`/projects/${p}`), api(`/projects/${p}/sheets/${sheetId}?compact=true`),
      listAll(`/projects/${p}/sheets/${sheetId}/regions`, 'regions'),
      listAll(`/projects/${p}/sheets/${sheetId}/versions`, 'versions'),
    ]);
    const diff = (sheet.artifacts || []).find(a => a.type === 'revision_diff');
    const thumb = thumbnailOf(sheet);
    const crop = (sheet.artifacts || []).find(a => a.type === 'vector_crop');
    const fields = sheet.fields || {};
    const boxes = [
      { box: sheet.titleBlock && sheet.titleBlock.box, cls: 'title_block', label: 'Title block', testid: 'box-title-block' },
      { box: fields.sheetNumber && fields.sheetNumber.box, cls: 'field', label: `Sheet number: ${sheet.sheetNumber || ''}`, testid: 'box-sheet-number' },
      { box: fields.sheetName && fields.sheetName.box, cls: 'field', label: `Sheet title: ${sheet.sheetName || ''}`, testid: 'box-sheet-name' },
      ...regions.map(r => ({
        box: r.displayBox, cls: 'region', testid: 'box-region',
        label: `${(r.regionType || 'region').replaceAll('_', ' ')}${r.label ? ': ' + r.label : ''}`, text: r.text,
      })),
      ...(sheet.references || []).map(r => ({
        box: r.box, cls: 'reference ' + r.status, testid: 'box-reference',
        label: `${r.text} — ${r.status.replaceAll('_', ' ')}`,
      })),
    ];
    const viewer = pageViewer(p, thumb && thumb.path, thumb, boxes, { fileId: sheet.fileId, page: sheet.pageNumber });
    const field = (name, value, f) => [h('dt', {}, name), h('dd', { 'data-testid': 'field-' + name.toLowerCase().replaceAll(' ', '-') }, value || '—',
      f ? h('span', { class: 'confidence' }, ` (confidence ${pct(f.confidence)})`) : null)];
    const side = h('aside', { class: 'side card' },
      h('h1', { 'data-testid': 'sheet-title' }, sheet.sheetDisplayName || `Page ${sheet.pageNumber}`),
      h('dl', {},
        field('Sheet number', sheet.sheetNumber, fields.sheetNumber),
        field('Title', sheet.sheetName, fields.sheetName),
        field('Discipline', sheet.discipline && `${sheet.discipline.replaceAll('_', ' ')} (${sheet.disciplineCode || ''})`),
        field('Drawing type', sheet.drawingType && sheet.drawingType.replaceAll('_', ' ')),
        field('File', sheet.fileName),
        field('Page', String(sheet.pageNumber)),
        field('Version', sheet.current === false ? 'superseded by a later upload' : 'current')),
      h('p', { class: 'row' },
        crop ? h('button', { type: 'button', 'data-testid': 'download-crop', onclick: () => download(p, crop.path, `${sheet.sheetNumber || 'sheet'}.pdf`) }, 'Download vector PDF') : null,
        h('a', { href: `#/p/${p}/page/${sheet.fileId}/${sheet.pageNumber}` }, 'Page text search')),
      diff && thumb ? h('p', {}, h('button', {
        type: 'button', 'data-testid': 'show-changes', 'aria-pressed': 'false',
        onclick: ev => {
          const on = ev.target.getAttribute('aria-pressed') !== 'true';
          ev.target.setAttribute('aria-pressed', String(on));
          ev.target.textContent = on ? 'Show the sheet' : 'Show what changed';
          viewer.setImage(on ? diff.path : null);
        },
      }, 'Show what changed'), h('span', { class: 'muted' }, ' red: added, blue: removed since the previous version')) : null,
      (sheet.revisions || []).length ? [h('h2', {}, 'Revision block'), h('table', { 'data-testid': 'revisions' }, h('tbody', {},
        sheet.revisions.map(r => h('tr', {}, h('td', {}, r.mark || ''), h('td', {}, r.description || ''), h('td', {}, r.date || '')))))] : null,
      (sheet.references || []).length ? [h('h2', {}, 'References'), h('ul', { 'data-testid': 'references' }, sheet.references.map(r =>
        h('li', {}, r.targetSheetId ? h('a', { href: `#/p/${p}/sheets/${r.targetSheetId}` }, r.text) : h('span', {}, r.text),
          h('span', { class: 'status ' + (r.status === 'resolved' ? 'completed' : 'failed') }, r.status.replaceAll('_', ' ')))))] : null,
      versions.length > 1 ? [h('h2', {}, 'Versions'), h('ol', { 'data-testid': 'versions' }, versions.map(v =>
        h('li', {}, v.sheetId === sheet.sheetId ? h('strong', {}, v.fileName) : h('a', { href: `#/p/${p}/sheets/${v.sheetId}` }, v.fileName),
          h('span', { class: 'muted' }, v.current ? ' (current)' : ' (superseded)'))))] : null,
      h('h2', {}, 'Evidence'), evidenceList(boxes, viewer));
    const tabBar = tabs(project, 'sheets');
    setCrumbs([['Projects', '#/'], [project.name, `#/p/${p}`], ['Sheets', `#/p/${p}/sheets`], [sheet.sheetNumber || `p. ${sheet.pageNumber}`, null]]);
    mount(gen, tabBar, h('div', { class: 'viewer' }, viewer.element, side));
  }

  // --- specifications and documents ----------------------------------------------------------

  async function showSpecs(gen, p) {
    const [{ project }, specs, docs] = await Promise.all([
      api(`/projects/${p}`), listAll(`/projects/${p}/specifications`, 'specifications'), listAll(`/projects/${p}/docs`, 'docs'),
    ]);
    const pages = (a, b) => (a === b ? `p. ${a}` : `pp. ${a}–${b}`);
    const byFile = new Map();
    for (const s of specs) {
      if (!byFile.has(s.fileName)) byFile.set(s.fileName, []);
      byFile.get(s.fileName).push(s);
    }
    const books = [...byFile].map(([fileName, sections]) => h('section', { class: 'card', 'data-testid': 'spec-book' },
      h('h2', {}, fileName, h('span', { class: 'muted' }, ` — ${sections.length} section${sections.length === 1 ? '' : 's'}`)),
      h('ul', {}, sections.map(s => {
        const box = s.startBox ? `&box=${[s.startBox.left, s.startBox.top, s.startBox.right, s.startBox.bottom].join(',')}` : '';
        return h('li', { 'data-testid': 'spec-section' },
          h('a', { href: `#/p/${p}/page/${s.fileId}/${s.pageStart}?${box.slice(1)}` }, h('strong', {}, s.sectionNumber), ' ', s.sectionTitle || ''),
          h('span', { class: 'muted' }, ' ' + pages(s.pageStart, s.pageEnd)),
          h('ul', { class: 'outline' }, (s.facets || []).filter(f => f.facetKind === 'part').map(f =>
            h('li', {}, h('a', { href: `#/p/${p}/page/${s.fileId}/${f.pageStart}` }, f.facetLabel), ' ', pages(f.pageStart, f.pageEnd)))));
      }))));
    const docList = docs.length ? h('section', { class: 'card' }, h('h2', {}, 'Addenda and other documents'),
      h('ul', {}, docs.map(d => h('li', {},
        h('a', { href: `#/p/${p}/page/${d.fileId}/${d.pageStart}` }, h('strong', {}, d.title || d.docType)),
        h('span', { class: 'muted' }, ` ${d.docType}, ${pages(d.pageStart, d.pageEnd)}, ${d.fileName}`),
        h('ul', { class: 'outline' }, (d.items || []).slice(0, 50).map(i =>
          h('li', {}, h('a', { href: `#/p/${p}/page/${d.fileId}/${i.pageNumber}` }, i.label), ' ', (i.text || '').slice(0, 140)))))))) : null;
    mount(gen, tabs(project, 'specs'),
      specs.length || docs.length ? h('div', {}, books, docList) : h('p', { class: 'muted' }, 'No specification sections yet.'));
  }

  // --- search --------------------------------------------------------------------------------

  /** The highlight query of a page link: what to grep for on the page. */
  function pageLink(p, fileId, page, params) {
    return `#/p/${p}/page/${fileId}/${page}?${new URLSearchParams(params)}`;
  }

  async function withIndex(call) {
    for (let i = 0; ; i++) {
      try {
        return await call();
      } catch (e) {
        if (e.code !== 'index_not_ready' || i > 10) throw e;
        await sleep(3000);
      }
    }
  }

  async function showSearch(gen, p, query) {
    const { project } = await api(`/projects/${p}`);
    const q = query.get('q') || '';
    const mode = query.get('mode') || 'search';
    const flags = ['regex', 'caseSensitive', 'wholeWord'];
    const input = h('input', { type: 'search', value: q, placeholder: 'Words, a sheet number, a section number…', size: 50, 'data-testid': 'search-input' });
    const modeSelect = h('select', { 'data-testid': 'search-mode' },
      h('option', { value: 'search', selected: mode === 'search' }, 'Ranked search'),
      h('option', { value: 'grep', selected: mode === 'grep' }, 'Exact text (grep)'));
    const boxes = flags.map(f => h('input', { type: 'checkbox', id: 'flag-' + f, checked: query.get(f) === 'true' }));
    const form = h('form', {
      class: 'row',
      onsubmit: ev => {
        ev.preventDefault();
        const next = new URLSearchParams({ q: input.value.trim(), mode: modeSelect.value });
        flags.forEach((f, i) => { if (boxes[i].checked) next.set(f, 'true'); });
        location.hash = `#/p/${p}/search?${next}`;
      },
    }, input, modeSelect,
    flags.map((f, i) => h('label', {}, boxes[i], ' ', { regex: 'regex', caseSensitive: 'match case', wholeWord: 'whole word' }[f])),
    h('button', { class: 'primary', type: 'submit', 'data-testid': 'search-submit' }, 'Search'));
    const results = h('div', { 'data-testid': 'search-results' });
    if (!mount(gen, tabs(project, 'search'), form, results)) return;
    input.focus();
    if (!q) return;
    results.replaceChildren(h('p', { class: 'muted' }, 'Searching…'));
    if (mode === 'grep') {
      const body = { pattern: q, maxHits: 500 };
      flags.forEach(f => { body[f] = query.get(f) === 'true'; });
      const r = await withIndex(() => api(`/projects/${p}/grep`, { method: 'POST', json: body }));
      if (!live(gen)) return;
      const params = { q, mode: 'grep' };
      flags.forEach(f => { if (body[f]) params[f] = 'true'; });
      results.replaceChildren(h('p', { class: 'muted', 'data-testid': 'hit-count' }, `${r.total} match${r.total === 1 ? '' : 'es'}${r.hasMore ? ` (first ${r.hits.length})` : ''}`),
        h('ol', { class: 'hits' }, r.hits.map(hit => {
          const at = hit.line.indexOf(hit.match.text);
          const line = at < 0 ? [hit.line] : [hit.line.slice(0, at), h('mark', {}, hit.match.text), hit.line.slice(at + hit.match.text.length)];
          return h('li', { 'data-testid': 'hit' },
            h('a', { href: pageLink(p, hit.fileId, hit.pageNumber, params) }, `${hit.fileName}, p. ${hit.pageNumber}${hit.sheetNumber ? ' — ' + hit.sheetNumber : ''}`),
            h('div', {}, line));
        })));
      return;
    }
    const r = await withIndex(() => api(`/projects/${p}/source-search`, { method: 'POST', json: { query: q, maxHits: 50 } }));
    if (!live(gen)) return;
    results.replaceChildren(h('p', { class: 'muted', 'data-testid': 'hit-count' }, `${r.hitCount} hit${r.hitCount === 1 ? '' : 's'}`),
      h('ol', { class: 'hits' }, r.hits.map(hit => {
        const s = hit.source;
        const params = { q, mode: 'search' };
        if (s.box) params.box = [s.box.left, s.box.top, s.box.right, s.box.bottom].join(',');
        const what = s.sheetNumber || (s.sectionNumber ? `${s.sectionNumber} ${s.sectionTitle || ''}` : '') || s.regionType || '';
        return h('li', { 'data-testid': 'hit' },
          h('a', { href: pageLink(p, s.fileId, s.pageNumber, params) }, `${s.type}: ${what} — ${s.fileName}, p. ${s.pageNumber}`),
          h('div', {}, snippet(hit.snippet)));
      })));
  }

  // --- a page with highlights ----------------------------------------------------------------

  function parseBox(raw) {
    const v = (raw || '').split(',').map(Number);
    return v.length === 4 && v.every(Number.isFinite) ? { left: v[0], top: v[1], right: v[2], bottom: v[3] } : null;
  }

  async function showPage(gen, p, fileId, page, query) {
    const [{ project }, { file }, sheets] = await Promise.all([
      api(`/projects/${p}`), api(`/projects/${p}/files/${fileId}?compact=true`),
      listAll(`/projects/${p}/sheets`, 'sheets', { fileId, pageNumber: String(page) }),
    ]);
    const sheet = sheets[0];
    // Every page has a thumbnail at this path (drawings list it on their sheet, text pages on the file).
    const imagePath = sheet && thumbnailOf(sheet) ? thumbnailOf(sheet).path : `${fileId}/page-${page}.png`;
    const q = query.get('q') || '';
    const boxes = [];
    const source = parseBox(query.get('box'));
    if (source) boxes.push({ box: source, cls: 'region', label: 'Search hit source', testid: 'box-source' });
    let matches = [];
    if (q) {
      const grep = { pattern: q, fileId, pageNumber: page, maxHits: 1000 };
      if (query.get('mode') === 'grep') {
        for (const f of ['regex', 'caseSensitive', 'wholeWord']) grep[f] = query.get(f) === 'true';
      } else {
        // Ranked search matched words; highlight each of them on the page.
        const words = q.split(/\s+/).filter(w => w.length > 1).map(escapeRegex);
        Object.assign(grep, { pattern: words.length ? words.join('|') : escapeRegex(q), regex: true, wholeWord: true });
      }
      matches = (await withIndex(() => api(`/projects/${p}/grep`, { method: 'POST', json: grep }))).hits;
      matches.forEach(m => boxes.push({ box: m.match.box, cls: 'hit', label: m.match.text, text: m.line, testid: 'box-hit' }));
    }
    const viewer = pageViewer(p, imagePath, null, boxes, { fileId, page });
    const nav = q ? '?' + new URLSearchParams([...query].filter(([k]) => k !== 'box')) : '';
    const side = h('aside', { class: 'side card' },
      h('h1', {}, file.fileName),
      h('p', { class: 'row' },
        page > 1 ? h('a', { href: `#/p/${p}/page/${fileId}/${page - 1}${nav}` }, '‹ previous') : null,
        h('span', { 'data-testid': 'page-number' }, `page ${page} of ${file.pageCount}`),
        page < file.pageCount ? h('a', { href: `#/p/${p}/page/${fileId}/${page + 1}${nav}` }, 'next ›') : null),
      sheet ? h('p', {}, 'Sheet ', h('a', { href: `#/p/${p}/sheets/${sheet.sheetId}` }, sheet.sheetDisplayName || sheet.sheetNumber || 'view')) : null,
      q ? h('p', { 'data-testid': 'match-count' }, `${matches.length} match${matches.length === 1 ? '' : 'es'} of “${q}” on this page`) : null,
      h('h2', {}, 'Highlights'), evidenceList(boxes, viewer));
    const tabBar = tabs(project, q ? 'search' : null);
    setCrumbs([['Projects', '#/'], [project.name, `#/p/${p}`], [file.fileName, null], [`p. ${page}`, null]]);
    if (!mount(gen, tabBar, h('div', { class: 'viewer' }, viewer.element, side))) return;
    const first = boxes.find(b => b.cls === 'hit') || boxes[0];
    if (first) viewer.select(first);
  }

  signoutButton.addEventListener('click', () => { signOut(''); location.hash = '#/'; });
  window.addEventListener('hashchange', render);
  render();
})();
