/* Start Redoc: the start-up script, kept out of the page so that the Content-Security-Policy
   needs no inline scripts. Its values come from the page's
   <script type="application/json" id="redoc-config"> data block.

   Redoc fetches the document without credentials other than the browser session, so API-key
   clients and users without a session would see no endpoints. The bar above Redoc takes a bearer
   token or an API key; the document is then fetched with it (the schema route accepts the API's
   credentials) and handed to Redoc as an object. The credential is kept in sessionStorage (this
   tab only) until "Forget". */
"use strict";

(() => {
  const config = JSON.parse(document.getElementById("redoc-config").textContent);
  const container = document.getElementById("redoc-container");
  const form = document.getElementById("redoc-credentials");
  const kind = document.getElementById("redoc-credential-kind");
  const input = document.getElementById("redoc-credential");
  const status = document.getElementById("redoc-credentials-status");
  const STORAGE_KEY = "dataexchange.redoc.credential";

  const stored = () => {
    try {
      return JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
    } catch (e) {
      return null;
    }
  };

  const headersFor = (credential) => {
    if (!credential || !credential.value) {
      return {};
    }
    if (credential.kind === "apikey") {
      return { "X-Api-Key": credential.value };
    }
    return { Authorization: "Bearer " + credential.value };
  };

  const schemaUrl = () => {
    const url = new URL(config.schemaUrl, document.baseURI);
    url.searchParams.set("format", "json");
    return url.href;
  };

  const render = async () => {
    const credential = stored();
    kind.value = credential ? credential.kind : kind.value;
    status.textContent = credential ? "Loading the document for your credential..." : "";
    const response = await fetch(schemaUrl(), {
      headers: { Accept: "application/json", ...headersFor(credential) },
      credentials: "same-origin",
    });
    if (!response.ok) {
      status.textContent = "The credential was refused (" + response.status + "): showing the " +
        "public document.";
      sessionStorage.removeItem(STORAGE_KEY);
      Redoc.init(config.schemaUrl, config.settings, container);
      return;
    }
    const spec = await response.json();
    status.textContent = credential ? "Showing the endpoints of your " +
      (credential.kind === "apikey" ? "API key." : "token.") : "";
    Redoc.init(spec, config.settings, container);
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (value) {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ kind: kind.value, value }));
    }
    input.value = "";
    render();
  });
  document.getElementById("redoc-credential-forget").addEventListener("click", () => {
    sessionStorage.removeItem(STORAGE_KEY);
    render();
  });
  render();
})();
