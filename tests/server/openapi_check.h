// Checks JSON responses against the server's own OpenAPI 3.0 document: the
// operation is found by method and path template, the response schema by
// status, and the body validated against it (the subset of JSON Schema the
// document uses: type, nullable, enum, pattern, format date-time,
// properties, required, additionalProperties, items, $ref, oneOf, allOf).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "tradestore/timestamp.h"

namespace tradestore::testing {

class OpenApiCheck {
 public:
  explicit OpenApiCheck(nlohmann::json doc) : doc_(std::move(doc)) {
    for (const auto& [path, item] : doc_["paths"].items()) {
      std::string pattern = "^";
      for (std::size_t i = 0; i < path.size(); ++i) {
        if (path[i] == '{') {
          pattern += "[^/]+";
          i = path.find('}', i);
        } else if (std::string("\\^$.|?*+()[]").find(path[i]) != std::string::npos) {
          pattern += '\\';
          pattern += path[i];
        } else {
          pattern += path[i];
        }
      }
      pattern += "$";
      // Literal paths first: /api/v1/bots beats /api/v1/{entity}-like templates.
      const bool templated = path.find('{') != std::string::npos;
      routes_.push_back({std::regex(pattern), path, templated});
    }
  }

  // The problems of `body` as the response of METHOD PATH with `status`
  // ("" when it conforms).
  std::string Check(const std::string& method, const std::string& path, int status,
                    const std::string& body) const {
    const std::string target = path.substr(0, path.find('?'));
    const nlohmann::json* op = nullptr;
    for (bool templated : {false, true}) {
      for (const Route& r : routes_) {
        if (r.templated != templated || !std::regex_match(target, r.regex)) continue;
        const nlohmann::json& item = doc_["paths"][r.path];
        std::string m = method;
        for (char& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (item.contains(m)) {
          op = &item[m];
          break;
        }
      }
      if (op) break;
    }
    if (!op) return "no operation " + method + " " + target + " in the document";
    const nlohmann::json& responses = (*op)["responses"];
    const std::string code = std::to_string(status);
    if (!responses.contains(code)) return "status " + code + " is not documented for " + target;
    nlohmann::json response = responses[code];
    if (response.contains("$ref")) response = Resolve(response["$ref"]);
    if (!response.contains("content")) return "";
    const nlohmann::json& content = response["content"];
    if (!content.contains("application/json")) return "";
    const nlohmann::json body_json = nlohmann::json::parse(body, nullptr, false);
    if (body_json.is_discarded()) return "the body is not JSON: " + body.substr(0, 200);
    std::vector<std::string> problems;
    Validate(content["application/json"]["schema"], body_json, "$", problems);
    std::string out;
    for (std::size_t i = 0; i < problems.size() && i < 10; ++i) out += problems[i] + "\n";
    return out;
  }

 private:
  struct Route {
    std::regex regex;
    std::string path;
    bool templated;
  };

  nlohmann::json Resolve(const std::string& ref) const {
    // "#/components/schemas/Name"
    nlohmann::json node = doc_;
    std::size_t pos = 2;
    while (pos <= ref.size()) {
      const std::size_t next = ref.find('/', pos);
      const std::string key =
          ref.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
      node = node.at(key);
      if (next == std::string::npos) break;
      pos = next + 1;
    }
    return node;
  }

  void Validate(const nlohmann::json& schema_in, const nlohmann::json& v, const std::string& where,
                std::vector<std::string>& problems) const {
    nlohmann::json schema = schema_in;
    if (schema.contains("$ref")) schema = Resolve(schema["$ref"]);
    if (v.is_null()) {
      if (!schema.value("nullable", false)) problems.push_back(where + ": null is not allowed");
      return;
    }
    if (schema.contains("allOf")) {
      for (const auto& s : schema["allOf"]) Validate(s, v, where, problems);
    }
    if (schema.contains("oneOf")) {
      int matches = 0;
      for (const auto& s : schema["oneOf"]) {
        std::vector<std::string> p;
        Validate(s, v, where, p);
        if (p.empty()) ++matches;
      }
      if (matches != 1)
        problems.push_back(where + ": matches " + std::to_string(matches) + " of oneOf");
    }
    if (schema.contains("type")) {
      const std::string type = schema["type"];
      const bool ok = (type == "object" && v.is_object()) || (type == "array" && v.is_array()) ||
                      (type == "string" && v.is_string()) ||
                      (type == "integer" && v.is_number_integer()) ||
                      (type == "number" && v.is_number()) || (type == "boolean" && v.is_boolean());
      if (!ok) {
        problems.push_back(where + ": expected " + type + ", got " + v.dump().substr(0, 80));
        return;
      }
    }
    if (schema.contains("enum")) {
      bool found = false;
      for (const auto& e : schema["enum"]) found = found || e == v;
      if (!found) problems.push_back(where + ": " + v.dump() + " is not in the enum");
    }
    if (v.is_string()) {
      const std::string s = v.get<std::string>();
      if (schema.contains("pattern") &&
          !std::regex_search(s, std::regex(schema["pattern"].get<std::string>())))
        problems.push_back(where + ": '" + s + "' does not match " + schema["pattern"].dump());
      if (schema.value("format", "") == "date-time" && !Timestamp::TryParse(s))
        problems.push_back(where + ": '" + s + "' is not a date-time");
    }
    if (v.is_object()) {
      const nlohmann::json props = schema.value("properties", nlohmann::json::object());
      for (const auto& r : schema.value("required", nlohmann::json::array())) {
        if (!v.contains(r.get<std::string>()))
          problems.push_back(where + ": required '" + r.get<std::string>() + "' is missing");
      }
      for (const auto& [key, value] : v.items()) {
        if (props.contains(key)) {
          Validate(props[key], value, where + "." + key, problems);
        } else if (schema.contains("additionalProperties")) {
          const nlohmann::json& extra = schema["additionalProperties"];
          if (extra.is_boolean()) {
            if (!extra.get<bool>())
              problems.push_back(where + ": unexpected property '" + key + "'");
          } else {
            Validate(extra, value, where + "." + key, problems);
          }
        }
      }
    }
    if (v.is_array() && schema.contains("items")) {
      for (std::size_t i = 0; i < v.size(); ++i)
        Validate(schema["items"], v[i], where + "[" + std::to_string(i) + "]", problems);
    }
  }

  nlohmann::json doc_;
  std::vector<Route> routes_;
};

}  // namespace tradestore::testing
