// The API reference: the server's own OpenAPI document (/api/open/v1/openapi.json) rendered as
// a page: every operation grouped by base path, its parameters, body and answers, the schemas
// and the error codes. Text goes into the page as text, never as markup.
'use strict';
(async () => {
  const doc = document.getElementById('doc');
  const toc = document.getElementById('toc');

  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v != null) el.setAttribute(k, String(v));
    for (const kid of kids.flat()) if (kid != null && kid !== false) el.append(kid instanceof Node ? kid : String(kid));
    return el;
  }

  const refName = ref => ref.split('/').pop();
  function typeOf(schema) {
    if (!schema) return 'any';
    if (schema.$ref) return h('a', { href: '#schema-' + refName(schema.$ref) }, refName(schema.$ref));
    if (schema.enum) return schema.enum.map(v => JSON.stringify(v)).join(' | ');
    if (schema.type === 'array') return ['[', typeOf(schema.items), ']'];
    if (schema.anyOf || schema.oneOf) return (schema.anyOf || schema.oneOf).flatMap((s, i) => [i ? ' | ' : '', typeOf(s)]);
    const t = Array.isArray(schema.type) ? schema.type.join(' | ') : schema.type || 'object';
    return schema.format ? `${t} (${schema.format})` : t;
  }

  function properties(schema) {
    const required = new Set(schema.required || []);
    const rows = Object.entries(schema.properties || {}).map(([name, s]) =>
      h('tr', {}, h('td', {}, h('code', {}, name)), h('td', {}, typeOf(s)), h('td', {}, required.has(name) ? 'required' : ''),
        h('td', {}, s.description || '')));
    return rows.length ? h('table', {}, h('tbody', {}, rows)) : null;
  }

  function operation(path, method, op) {
    const id = op.operationId || `${method}-${path}`;
    const params = (op.parameters || []).map(p =>
      h('tr', {}, h('td', {}, h('code', {}, p.name)), h('td', {}, p.in), h('td', {}, typeOf(p.schema)), h('td', {}, p.required ? 'required' : '')));
    const body = op.requestBody && Object.entries(op.requestBody.content || {}).map(([type, c]) =>
      h('div', {}, h('code', {}, type), ' ', c.schema && c.schema.$ref ? typeOf(c.schema) : '', c.schema && c.schema.properties ? properties(c.schema) : null));
    const answers = Object.entries(op.responses || {}).map(([status, r]) =>
      h('tr', {}, h('td', {}, h('code', {}, status)), h('td', {}, r.description || ''),
        h('td', {}, Object.entries(r.content || {}).map(([type, c]) => h('div', {}, h('code', {}, type), ' ', c.schema ? typeOf(c.schema) : '')))));
    const security = (op.security || []).flatMap(s => Object.entries(s).map(([k, v]) => v.length ? `${k} (${v.join(', ')})` : k));
    return h('section', { class: 'op', id: 'op-' + id, 'data-testid': 'operation', 'data-method': method, 'data-path': path },
      h('h2', {}, h('span', { class: 'method ' + method }, method), path),
      h('p', {}, op.summary || ''),
      op.description ? h('p', { class: 'muted' }, op.description) : null,
      h('p', { class: 'muted' }, security.length ? 'Auth: ' + security.join(' or ') : 'No Authorization header'),
      params.length ? [h('h4', {}, 'Parameters'), h('table', {}, h('tbody', {}, params))] : null,
      body ? [h('h4', {}, 'Request body'), body] : null,
      h('h4', {}, 'Responses'), h('table', {}, h('tbody', {}, answers)));
  }

  let spec;
  try {
    const r = await fetch('/api/open/v1/openapi.json');
    spec = await r.json();
  } catch (e) {
    doc.replaceChildren(h('p', { class: 'error' }, 'The OpenAPI document could not be loaded: ' + e.message));
    return;
  }
  const groups = new Map();
  for (const [path, item] of Object.entries(spec.paths)) {
    const group = path.startsWith('/api/open/v1') ? 'Open API v1' : path.startsWith('/api') ? 'Administration' : 'Operational';
    if (!groups.has(group)) groups.set(group, []);
    for (const [method, op] of Object.entries(item)) groups.get(group).push([path, method, op]);
  }
  const out = [h('h1', {}, spec.info.title, ' ', h('span', { class: 'muted' }, spec.info.version)), h('p', {}, spec.info.description || '')];
  const nav = [];
  const order = ['Open API v1', 'Administration', 'Operational'];
  for (const [group, ops] of [...groups].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]))) {
    out.push(h('h2', { id: 'group-' + group }, group));
    nav.push(h('h3', {}, group));
    for (const [path, method, op] of ops) {
      out.push(operation(path, method, op));
      nav.push(h('a', { href: '#op-' + (op.operationId || `${method}-${path}`) }, h('span', { class: 'method ' + method }, method), op.summary || path));
    }
  }
  const schemas = spec.components.schemas || {};
  const codes = (((schemas.Error || {}).properties || {}).error || {}).properties;
  if (codes && codes.code && codes.code.enum) {
    out.push(h('h2', { id: 'errors' }, 'Error codes'),
      h('p', {}, 'Every error answers ', h('code', {}, '{"error": {"code", "message", "requestId", "details"?}}'), '. Codes never change:'),
      h('ul', { 'data-testid': 'error-codes' }, codes.code.enum.map(c => h('li', {}, h('code', {}, c)))));
    nav.push(h('h3', {}, h('a', { href: '#errors' }, 'Error codes')));
  }
  out.push(h('h2', { id: 'schemas' }, 'Schemas'));
  nav.push(h('h3', {}, h('a', { href: '#schemas' }, 'Schemas')));
  for (const [name, schema] of Object.entries(schemas)) {
    out.push(h('section', { class: 'schema', id: 'schema-' + name, 'data-testid': 'schema' }, h('h3', {}, name),
      schema.description ? h('p', {}, schema.description) : null,
      schema.enum ? h('p', {}, typeOf(schema)) : properties(schema)));
  }
  doc.replaceChildren(...out);
  toc.replaceChildren(...nav);
  if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
})();
