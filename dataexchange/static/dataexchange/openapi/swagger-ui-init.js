/* Start Swagger UI: drf-spectacular's start-up script, moved out of the page so that the
   Content-Security-Policy needs no inline scripts. The page's per-request values come from its
   <script type="application/json" id="swagger-ui-config"> data block. */
"use strict";

(() => {
  const config = JSON.parse(document.getElementById("swagger-ui-config").textContent);
  const schemaAuthNames = config.schemaAuthNames;
  let schemaAuthFailed = false;
  let ui;

  // Reload the document after "Authorize" or "Logout": credentials decide what it shows.
  const reloadAfter = (ori) => (...args) => {
    schemaAuthFailed = false;
    setTimeout(() => ui.specActions.download());
    return ori(...args);
  };
  const reloadSchemaOnAuthChange = () => ({
    statePlugins: {
      auth: {
        wrapActions: {
          authorizeOauth2: reloadAfter,
          authorize: reloadAfter,
          logout: reloadAfter,
        },
      },
    },
  });
  const plugins = schemaAuthNames.length > 0 ? [reloadSchemaOnAuthChange] : [];

  const isSchemaUrl = (url) =>
    ui !== undefined && url === new URL(ui.getConfigs().url, document.baseURI).href;

  const responseInterceptor = (response) => {
    if (!response.ok && isSchemaUrl(response.url)) {
      console.warn("schema request received '" + response.status +
        "'. disabling credentials for schema till logout.");
      if (!schemaAuthFailed) {
        // Retry once only, to prevent an endless loop.
        schemaAuthFailed = true;
        setTimeout(() => ui.specActions.download());
      }
    }
    return response;
  };

  const currentAuthorization = () => {
    if (ui !== undefined) {
      const state = ui.getState().get("auth").get("authorized");
      if (state !== undefined && Object.keys(state.toJS()).length !== 0) {
        return state.toJS();
      }
    } else if (![undefined, "{}"].includes(localStorage.authorized)) {
      return JSON.parse(localStorage.authorized);
    }
    return undefined;
  };

  const credentialHeader = (authDef) => {
    const schema = authDef.schema;
    if (schema.type === "http" && schema.scheme === "bearer") {
      return ["Authorization", "Bearer " + authDef.value];
    } else if (schema.type === "http" && schema.scheme === "basic") {
      return ["Authorization", "Basic " + btoa(authDef.value.username + ":" + authDef.value.password)];
    } else if (schema.type === "apiKey" && schema.in === "header") {
      return [schema.name, authDef.value];
    } else if (schema.type === "oauth2" && authDef.token.token_type === "Bearer") {
      return ["Authorization", "Bearer " + authDef.token.access_token];
    }
    return undefined;
  };

  const injectAuthCredentials = (request) => {
    const authorized = currentAuthorization();
    if (authorized === undefined) {
      return;
    }
    for (const authName of schemaAuthNames) {
      const authDef = authorized[authName];
      const header = authDef && authDef.schema && credentialHeader(authDef);
      if (header) {
        request.headers[header[0]] = header[1];
        return;
      }
    }
  };

  const requestInterceptor = (request) => {
    if (request.loadSpec && schemaAuthNames.length > 0 && !schemaAuthFailed) {
      try {
        injectAuthCredentials(request);
      } catch (e) {
        console.error("schema auth injection failed with error: ", e);
      }
    }
    // Only same-origin writes carry the CSRF token (a browser session's writes need it).
    if (!["GET", undefined].includes(request.method) && request.credentials === "same-origin") {
      request.headers[config.csrfHeaderName] = config.csrfToken;
    }
    return request;
  };

  ui = SwaggerUIBundle({
    url: config.schemaUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    plugins,
    layout: "BaseLayout",
    requestInterceptor,
    responseInterceptor,
    ...config.settings,
  });
  if (config.oauth2Config) {
    ui.initOAuth(config.oauth2Config);
  }
  window.ui = ui;
})();
