// The Shopify theme section (integrations/shopify/sections/
// retention-widget.liquid) rendered with liquidjs plus what Shopify adds
// to Liquid: the `hmac_sha256` filter (hex) and the `{% schema %}` tag.
// Used by the API suite and the browser suite; needs no API environment.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Liquid } from 'liquidjs';

const SECTION = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..',
  'integrations', 'shopify', 'sections', 'retention-widget.liquid');

function shopifyLiquid() {
  const engine = new Liquid();
  engine.registerFilter('hmac_sha256', (message, secret) => createHmac('sha256', String(secret)).update(String(message)).digest('hex'));
  engine.registerTag('schema', {
    parse(_token, remaining) {
      const stream = this.liquid.parser.parseStream(remaining);
      stream.on('tag:endschema', () => stream.stop()).on('end', () => { throw new Error('no endschema'); });
      stream.start();
    },
    render() { return ''; },
  });
  return engine;
}

/**
 * The section's HTML for `customer` (`{id}` or null for a guest) with the
 * section's `settings` ({api_url, merchant_id, token_secret, sections}).
 */
export function renderSection({ customer, settings, locale = 'en' }) {
  return shopifyLiquid().parseAndRender(readFileSync(SECTION, 'utf8'), {
    customer,
    section: { settings },
    request: { locale: { iso_code: locale } },
  });
}
