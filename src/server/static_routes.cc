// /metrics and the dashboard's static files.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "server/api.h"

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

std::string_view OpenApiDocument() {
  for (const auto& [path, content] : OpenApiFiles()) {
    if (path == "/openapi.json") return content;
  }
  return "{}";
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
