/**
 * The /docs page: the OpenAPI document rendered on the server into one self-contained HTML page
 * (inline CSS, no scripts, no CDN) — operations grouped by tag, their parameters, bodies and
 * answers as field tables, then the webhooks the gateway sends.
 */
type Json = Record<string, any>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/** A short type label: `string`, `"a" | "b"`, `integer ≥ 1`, `object`, `Error`, `array of object`. */
function typeLabel(s: Json): string {
  if (s.$ref) return esc(String(s.$ref).split('/').pop());
  if (s.const !== undefined) return esc(JSON.stringify(s.const));
  if (s.enum) return s.enum.map((v: unknown) => esc(JSON.stringify(v))).join(' | ');
  if (s.anyOf || s.oneOf) return (s.anyOf ?? s.oneOf).map(typeLabel).join(' | ');
  if (s.type === 'array') return `array of ${s.items ? typeLabel(s.items) : 'any'}`;
  const bits = [esc(s.type ?? 'any')];
  if (s.format) bits.push(`(${esc(s.format)})`);
  if (s.minimum !== undefined && s.minimum > Number.MIN_SAFE_INTEGER) bits.push(`≥ ${esc(s.minimum)}`);
  if (s.pattern) bits.push(`/${esc(s.pattern)}/`);
  return bits.join(' ');
}

/** Object-shaped parts of a schema (itself, union members, array items) that deserve a nested table. */
function nested(s: Json): Json[] {
  if (s.properties) return [s];
  if (s.type === 'array' && s.items) return nested(s.items);
  return [...(s.anyOf ?? []), ...(s.oneOf ?? [])].flatMap(nested);
}

function schemaHtml(s: Json | undefined): string {
  if (!s) return '';
  const objects = nested(s);
  if (objects.length === 0) return `<p class="t">${typeLabel(s)}${s.description ? ` — ${esc(s.description)}` : ''}</p>`;
  return objects
    .map((o) => {
      const required = new Set<string>(o.required ?? []);
      const rows = Object.entries<Json>(o.properties ?? {}).map(
        ([name, p]) =>
          `<tr><td><code>${esc(name)}</code>${required.has(name) ? ' <b title="required">*</b>' : ''}</td>` +
          `<td class="t">${typeLabel(p)}</td><td>${p.description ? esc(p.description) : ''}${nested(p).length ? schemaHtml(p) : ''}</td></tr>`,
      );
      const title = o.description ? `<p>${esc(o.description)}</p>` : '';
      const oneOf = objects.length > 1 && o.properties?.event?.const ? `<p class="t">event = ${esc(JSON.stringify(o.properties.event.const))}</p>` : '';
      return `${title}${oneOf}<table><tr><th>field</th><th>type</th><th>description</th></tr>${rows.join('')}</table>`;
    })
    .join('');
}

function bodyOf(x: Json | undefined): Json | undefined {
  const content = x?.content as Json | undefined;
  return content ? (Object.values(content)[0] as Json).schema : undefined;
}

function operationHtml(method: string, path: string, op: Json): string {
  const params = (op.parameters ?? []) as Json[];
  const paramRows = params
    .map((p) => `<tr><td><code>${esc(p.name)}</code>${p.required ? ' <b>*</b>' : ''}</td><td>${esc(p.in)}</td><td class="t">${typeLabel(p.schema)}</td><td>${esc(p.description ?? '')}</td></tr>`)
    .join('');
  const responses = Object.entries<Json>(op.responses ?? {})
    .map(([status, r]) => `<li><span class="st s${esc(status[0])}">${esc(status)}</span> ${esc(r.description)}${schemaHtml(bodyOf(r))}</li>`)
    .join('');
  return `<section class="op" id="${esc(op.operationId)}">
<h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code>${op.security?.length ? ' <span class="lock" title="Authorization: Bearer">auth</span>' : ''}</h3>
<p>${esc(op.summary ?? '')}</p>${op.description ? `<p>${esc(op.description)}</p>` : ''}
${paramRows ? `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th>description</th></tr>${paramRows}</table>` : ''}
${op.requestBody ? `<h4>Request body</h4>${schemaHtml(bodyOf(op.requestBody))}` : ''}
<h4>Responses</h4><ul>${responses}</ul></section>`;
}

export function renderDocsPage(doc: Json): string {
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    for (const m of METHODS) {
      const op = item[m] as Json | undefined;
      if (!op) continue;
      const tag = (op.tags?.[0] as string | undefined) ?? 'other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push(operationHtml(m, path, op));
    }
  }
  // The bot API first, the gateway's own endpoints (meta) last.
  const tags = [...byTag].sort(([a], [b]) => Number(a === 'meta') - Number(b === 'meta'));
  const sections = tags.map(([tag, ops]) => `<h2>${esc(tag)}</h2>${ops.join('')}`).join('');
  const hooks = Object.entries<Json>(doc.webhooks ?? {})
    .map(([name, item]) => operationHtml('post', `webhook: ${name}`, item.post))
    .join('');
  const info = doc.info as Json;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(info.title)}</title><style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
h2{border-bottom:2px solid #dde;margin-top:2.5rem}h3{margin:.2rem 0}h4{margin:.8rem 0 .2rem}
.op{border:1px solid #dde;border-radius:6px;padding:.6rem 1rem;margin:1rem 0}
.m{display:inline-block;min-width:4.2rem;text-align:center;border-radius:4px;color:#fff;font-size:.8rem;padding:.1rem .4rem}
.get{background:#2b7bb9}.post{background:#2f9e44}.put,.patch{background:#d9822b}.delete{background:#c92a2a}
table{border-collapse:collapse;width:100%;margin:.3rem 0}td,th{border:1px solid #e4e4ee;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f5fa;font-weight:600}.t{font-family:ui-monospace,monospace;font-size:.85rem;color:#5a4a9a}
ul{padding-left:1rem;list-style:none}
.lock{font-size:.7rem;border:1px solid #c9a227;color:#8a6d00;border-radius:3px;padding:0 .3rem;vertical-align:middle}
.st{font-family:monospace;font-weight:700}.s2{color:#2f9e44}.s4{color:#d9822b}.s5{color:#c92a2a}
</style></head><body>
<h1>${esc(info.title)} <small>${esc(info.version)}</small></h1>
${info.description ? `<p>${esc(info.description)}</p>` : ''}
<p>OpenAPI 3.1 document: <a href="/openapi.json">/openapi.json</a>. <span class="lock">auth</span> = <code>Authorization: Bearer &lt;auth.api_key&gt;</code> when a key is configured. Errors are <code>{"message": "…"}</code>.</p>
${sections}
${hooks ? `<h2>Webhooks (sent by the gateway)</h2>${hooks}` : ''}
</body></html>`;
}
