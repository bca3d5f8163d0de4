# The dashboard (web/): an npm project built at build time and embedded into
# the server (src/server/static_routes.cc serves it at /).
#
#   1. npm ci: web/package.json and package-lock.json are copied to
#      ${PROJECT_BINARY_DIR}/web, where `npm ci` installs the locked packages
#      (node_modules never goes into the source tree). Re-runs only when
#      either file changes.
#   2. web/build.mjs bundles web/src with esbuild into
#      ${PROJECT_BINARY_DIR}/web-dist (index.html, assets/main-HASH.js/css).
#      Re-runs only when a file of web/src, build.mjs or the install changes.
#   3. cmake/EmbedFiles.cmake turns web-dist into DashboardFiles() (C++).
#
# Target `dashboard` builds steps 1 and 2; the server depends on step 3.
# Node.js and npm are needed at build time only (the server has no runtime
# dependency on them, nor on any network).
find_program(TRADESTORE_NODE NAMES node nodejs)
find_program(TRADESTORE_NPM npm)
if(NOT TRADESTORE_NODE OR NOT TRADESTORE_NPM)
  message(FATAL_ERROR
    "tradestore: the dashboard (web/) is built with Node.js and npm, and "
    "${CMAKE_COMMAND} found no `node` or no `npm` on PATH. Install them "
    "(Debian: apt-get install nodejs npm, or run scripts/install-deps.sh), or "
    "point TRADESTORE_NODE and TRADESTORE_NPM at them.")
endif()

set(TRADESTORE_WEB_DIR ${PROJECT_SOURCE_DIR}/web)
set(TRADESTORE_WEB_BUILD ${PROJECT_BINARY_DIR}/web)
set(TRADESTORE_WEB_NODE_MODULES ${TRADESTORE_WEB_BUILD}/node_modules)
set(TRADESTORE_WEB_DIST ${PROJECT_BINARY_DIR}/web-dist)
set(TRADESTORE_WEB_INSTALLED ${TRADESTORE_WEB_BUILD}/npm-ci.stamp)
set(TRADESTORE_WEB_BUILT ${TRADESTORE_WEB_BUILD}/dist.stamp)

# --prefer-offline: the npm cache answers when it can (fast, and works
# offline once the cache holds the locked versions). --ignore-scripts: no
# package needs an install script here (esbuild finds its binary package).
add_custom_command(
  OUTPUT ${TRADESTORE_WEB_INSTALLED}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${TRADESTORE_WEB_BUILD}
  COMMAND ${CMAKE_COMMAND} -E copy_if_different ${TRADESTORE_WEB_DIR}/package.json
          ${TRADESTORE_WEB_DIR}/package-lock.json ${TRADESTORE_WEB_BUILD}/
  COMMAND ${TRADESTORE_NPM} ci --prefer-offline --ignore-scripts --no-audit --no-fund
          --loglevel=error
  COMMAND ${CMAKE_COMMAND} -E touch ${TRADESTORE_WEB_INSTALLED}
  WORKING_DIRECTORY ${TRADESTORE_WEB_BUILD}
  DEPENDS ${TRADESTORE_WEB_DIR}/package.json ${TRADESTORE_WEB_DIR}/package-lock.json
  COMMENT "Installing the dashboard's npm packages (npm ci)"
  VERBATIM)

file(GLOB_RECURSE TRADESTORE_WEB_SOURCES CONFIGURE_DEPENDS ${TRADESTORE_WEB_DIR}/src/*)
add_custom_command(
  OUTPUT ${TRADESTORE_WEB_BUILT}
  COMMAND ${TRADESTORE_NODE} ${TRADESTORE_WEB_DIR}/build.mjs --out ${TRADESTORE_WEB_DIST}
          --node-modules ${TRADESTORE_WEB_NODE_MODULES}
  COMMAND ${CMAKE_COMMAND} -E touch ${TRADESTORE_WEB_BUILT}
  DEPENDS ${TRADESTORE_WEB_SOURCES} ${TRADESTORE_WEB_DIR}/build.mjs ${TRADESTORE_WEB_INSTALLED}
  COMMENT "Bundling the dashboard (esbuild)"
  VERBATIM)
add_custom_target(dashboard DEPENDS ${TRADESTORE_WEB_BUILT})

set(TRADESTORE_DASHBOARD_CC ${PROJECT_BINARY_DIR}/generated/dashboard_files.cc)
add_custom_command(
  OUTPUT ${TRADESTORE_DASHBOARD_CC}
  COMMAND ${CMAKE_COMMAND} -DDIR=${TRADESTORE_WEB_DIST}
          -DOUT=${TRADESTORE_DASHBOARD_CC} -DFN=DashboardFiles -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
  DEPENDS ${TRADESTORE_WEB_BUILT} ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
  COMMENT "Embedding the dashboard"
  VERBATIM)
