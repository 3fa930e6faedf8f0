/** GET /openapi.json (the generated OpenAPI 3.1 document) and GET /docs (its HTML rendering); both public. */
import { Hono } from 'hono';
import { z } from 'zod';
import type { ApiDocs } from './registry.ts';
import { renderDocsPage } from './docs-page.ts';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'";

export function openApiRoutes(docs: ApiDocs): Hono {
  docs.add(
    { method: 'get', path: '/openapi.json', tags: ['meta'], summary: 'This OpenAPI 3.1 document', responses: { 200: { description: 'The document', schema: z.record(z.string(), z.unknown()) } } },
    { method: 'get', path: '/docs', tags: ['meta'], summary: 'This API reference as an HTML page', responses: { 200: { description: 'HTML', contentType: 'text/html', schema: z.string() } } },
  );
  return new Hono()
    .get('/openapi.json', (c) => c.json(docs.document()))
    .get('/docs', (c) => c.html(renderDocsPage(docs.document()), 200, { 'Content-Security-Policy': CSP }));
}
