/** Entry of the full web dialer (index.html): defines `<patchbay-app>`. */
import './app/patchbay-app.ts';
