// The API reference (GET /docs): Swagger UI (vendored, risk-api/web/vendor/swagger-ui) on this
// service's own /openapi.json. No validator badge (it would call an outside service); the key
// given under "Authorize" stays in this page's memory only.
"use strict";
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  validatorUrl: null,
  deepLinking: true,
  persistAuthorization: false,
  displayRequestDuration: true,
  defaultModelsExpandDepth: 0,
});
