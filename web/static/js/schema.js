// Starts Swagger UI at /schema with the OpenAPI document the page carries as JSON data.
const spec = JSON.parse(document.getElementById("openapi").textContent);
window.ui = window.SwaggerUIBundle({
  spec,
  dom_id: "#swagger-container",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
});
