/**
 * Entry of `widget.js`: one ES module a third-party page loads with
 * `<script type="module" src="https://GATEWAY/widget.js"></script>` to get `<patchbay-phone>`.
 */
export { PatchbayPhone } from './widget/patchbay-phone.ts';
