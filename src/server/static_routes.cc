// /metrics and the dashboard's static files.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "server/api.h"
#include "tradestore/error.h"
#include "tradestore/export_import.h"

namespace tradestore::server {

// Generated at build time (cmake/EmbedFiles.cmake).
const std::vector<std::pair<std::string_view, std::string_view>>& OpenApiFiles();
const std::vector<std::pair<std::string_view, std::string_view>>& DashboardFiles();

namespace {

std::string_view ContentType(std::string_view path) {
  const auto ends = [&](std::string_view ext) {
    return path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".json") || ends(".map")) return "application/json";
  if (ends(".svg")) return "image/svg+xml";
  return "text/plain; charset=utf-8";
}

}  // namespace

namespace {

nlohmann::json ColumnSchema(ColumnType type) {
  switch (type) {
    case ColumnType::kInteger:
      return {{"type", "integer"}, {"nullable", true}};
    case ColumnType::kNumber:  // non-finite doubles are "nan", "inf", "-inf"
      return {
          {"oneOf", {{{"type", "number"}}, {{"type", "string"}, {"enum", {"nan", "inf", "-inf"}}}}},
          {"nullable", true}};
    case ColumnType::kDecimal:
      return {{"type", "string"}, {"pattern", "^-?[0-9]+(\\.[0-9]+)?$"}, {"nullable", true}};
    case ColumnType::kTime:
      return {{"type", "string"}, {"format", "date-time"}, {"nullable", true}};
    case ColumnType::kText:
      break;
  }
  return {{"type", "string"}, {"nullable", true}};
}

// The static document plus, from the table catalog, a row schema and a list
// route for every entity: one description of the columns, never copied.
std::string BuildOpenApi() {
  std::string_view text = "{}";
  for (const auto& [path, content] : OpenApiFiles()) {
    if (path == "/openapi.json") text = content;
  }
  nlohmann::json doc = nlohmann::json::parse(text);
  nlohmann::json& schemas = doc["components"]["schemas"];
  nlohmann::json& paths = doc["paths"];
  const nlohmann::json list_params = nlohmann::json::parse(R"([
    {"name": "bot", "in": "query", "schema": {"type": "string"}, "description": "A bot's name or id"},
    {"name": "symbol", "in": "query", "schema": {"type": "string"}},
    {"name": "venue", "in": "query", "schema": {"type": "string"}},
    {"name": "timeframe", "in": "query", "schema": {"type": "string"}},
    {"name": "strategy", "in": "query", "schema": {"type": "string"}},
    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date-time"}, "description": "The entity's time column >= from"},
    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date-time"}, "description": "The entity's time column < to"},
    {"name": "include_test", "in": "query", "schema": {"type": "boolean"}},
    {"name": "include_system", "in": "query", "schema": {"type": "boolean"}, "description": "Also the bots' system accounts and their rows"},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
    {"name": "cursor", "in": "query", "schema": {"type": "string"}, "description": "The next of the previous page"}
  ])");
  for (const std::string& entity : KnownEntities()) {
    std::vector<EntityColumn> columns;
    try {
      columns = EntityColumns(entity);
    } catch (const Error&) {
      continue;  // not in this build's catalog
    }
    nlohmann::json props = nlohmann::json::object();
    nlohmann::json required = nlohmann::json::array();
    for (const EntityColumn& c : columns) {
      props[c.name] = ColumnSchema(c.type);
      required.push_back(c.name);
    }
    const std::string row = "row." + entity;
    schemas[row] = {{"type", "object"},
                    {"properties", props},
                    {"required", required},
                    {"additionalProperties", false}};
    nlohmann::json page = {
        {"type", "object"},
        {"properties",
         {{"data", {{"type", "array"}, {"items", {{"$ref", "#/components/schemas/" + row}}}}},
          {"next", {{"type", "string"}, {"nullable", true}}}}},
        {"required", {"data", "next"}},
        {"additionalProperties", false}};
    nlohmann::json responses = doc["paths"]["/api/v1/entities"]["get"]["responses"];
    responses["200"] = {{"description", "A page of rows in key order"},
                        {"content", {{"application/json", {{"schema", page}}}}}};
    // Merged beside the path's POST, if any; candles have their own GET.
    nlohmann::json& path = paths["/api/v1/" + entity];
    if (path.contains("get")) continue;
    path["get"] = {
        {"summary", "Rows of " + entity + " (as `tradestore show " + entity + "`), paged"},
        {"tags", {"read", "entities"}},
        {"security", {{{"bearer", nlohmann::json::array()}}}},
        {"parameters", list_params},
        {"responses", responses}};
  }
  return doc.dump(1);
}

}  // namespace

std::string_view OpenApiDocument() {
  static const std::string doc = BuildOpenApi();
  return doc;
}

void AddMetricsRoutes(httplib::Server& http, ServerState& state) {
  http.Get("/metrics", [&state](const httplib::Request& req, httplib::Response& res) {
    Query q(req);
    q.Finish();
    WithStore(state, [&](Store& store) {
      res.set_content(state.metrics.Render(store, state.pool.url()),
                      "text/plain; version=0.0.4; charset=utf-8");
    });
  });
}

// The dashboard: files from options.dashboard_dir when set, else the ones
// built into the binary. Any path that is not a file gets index.html (the
// dashboard routes in the browser).
void AddDashboardRoutes(httplib::Server& http, ServerState& state) {
  http.Get(R"(/(?!api/|metrics).*)", [&state](const httplib::Request& req, httplib::Response& res) {
    std::string path = req.path;
    if (path.empty() || path == "/") path = "/index.html";
    if (path.find("..") != std::string::npos) {
      throw ApiError(400, "invalid_argument", "a path may not contain '..'");
    }
    const std::string& dir = state.options.dashboard_dir;
    const auto send = [&](std::string_view file, std::string content) {
      // Hashed asset names never change: cache them; index.html never.
      res.set_header("Cache-Control", file == "/index.html" ? "no-cache" : "max-age=31536000");
      res.set_content(std::move(content), std::string(ContentType(file)));
    };
    if (!dir.empty()) {
      for (const std::string& candidate : {path, std::string("/index.html")}) {
        std::ifstream in(dir + candidate, std::ios::binary);
        if (!in || std::filesystem::is_directory(dir + candidate)) continue;
        std::ostringstream text;
        text << in.rdbuf();
        send(candidate, text.str());
        return;
      }
    } else {
      const auto& files = DashboardFiles();
      for (const std::string_view candidate :
           {std::string_view(path), std::string_view("/index.html")}) {
        for (const auto& [name, content] : files) {
          if (name == candidate) {
            send(name, std::string(content));
            return;
          }
        }
      }
    }
    res.status = 404;
    res.set_content(
        "The dashboard was not built into this tradestore (web/ needs npm at build time); the "
        "API is at /api/v1.\n",
        "text/plain; charset=utf-8");
  });
}

}  // namespace tradestore::server
