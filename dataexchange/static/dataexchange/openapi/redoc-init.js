/* Start Redoc: the start-up script, kept out of the page so that the Content-Security-Policy
   needs no inline scripts. Its values come from the page's
   <script type="application/json" id="redoc-config"> data block. */
"use strict";

(() => {
  const config = JSON.parse(document.getElementById("redoc-config").textContent);
  Redoc.init(config.schemaUrl, config.settings, document.getElementById("redoc-container"));
})();
