# The dashboard's built files, embedded into the server (src/server).
# Placeholder until web/ has its npm build: an empty file list.
set(TRADESTORE_DASHBOARD_CC ${PROJECT_BINARY_DIR}/generated/dashboard_files.cc)
add_custom_command(
  OUTPUT ${TRADESTORE_DASHBOARD_CC}
  COMMAND ${CMAKE_COMMAND} -DDIR=${PROJECT_BINARY_DIR}/web-dist
          -DOUT=${TRADESTORE_DASHBOARD_CC} -DFN=DashboardFiles -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
  DEPENDS ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
  COMMENT "Embedding the dashboard")
