// The API's docs page: Swagger UI reads the OpenAPI document named by its container.
(function () {
  var container = document.getElementById("swagger-ui");
  if (!container || !window.SwaggerUIBundle) { return; }
  window.SwaggerUIBundle({
    url: container.dataset.specUrl,
    domNode: container,
    deepLinking: false,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
})();
