# Install test: installs a built tradestore into a fresh prefix, then
# configures, builds and runs a consumer project that finds it with
# find_package(tradestore) and links tradestore::tradestore.
#
#   cmake -DBUILD_DIR=<tradestore build dir> -DWORK_DIR=<scratch dir>
#         -DCONSUMER_DIR=<tests/install/consumer> [-DSOURCE_DIR=<repo root>]
#         [-DGENERATOR=Ninja]
#         [-DCONFIG=Debug] [-DCXX_COMPILER=...] -P run_install_test.cmake
#
# Any failing step fails the test with its output. The prefix holds only
# what `cmake --install` put there; the dependencies (SQLite3, fmt,
# nlohmann_json) must be found by the installed package config itself.
cmake_minimum_required(VERSION 3.25)

foreach(var BUILD_DIR WORK_DIR CONSUMER_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_install_test.cmake: -D${var}=... is required")
  endif()
endforeach()

set(prefix ${WORK_DIR}/prefix)
set(consumer_build ${WORK_DIR}/consumer-build)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(run_step name)
  execute_process(COMMAND ${ARGN}
                  RESULT_VARIABLE result
                  OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "install test: ${name} failed (${result}):\n"
                        "command: ${ARGN}\n--- stdout ---\n${out}\n--- stderr ---\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

set(config_args)
if(DEFINED CONFIG AND NOT CONFIG STREQUAL "")
  set(config_args --config ${CONFIG})
endif()
run_step("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix}
         ${config_args})
if(NOT EXISTS ${prefix}/include/tradestore/store.h)
  message(FATAL_ERROR "install test: the public headers were not installed under ${prefix}")
endif()
# The package must be relocatable: no path into the build or source tree.
file(GLOB package_files ${prefix}/lib*/cmake/tradestore/*.cmake)
if(NOT package_files)
  message(FATAL_ERROR "install test: no package config under ${prefix}/lib*/cmake/tradestore")
endif()
foreach(file IN LISTS package_files)
  file(READ ${file} text)
  foreach(tree IN ITEMS "${BUILD_DIR}" "${SOURCE_DIR}")
    if(NOT tree STREQUAL "")
      string(FIND "${text}" "${tree}" at)
      if(NOT at EQUAL -1)
        message(FATAL_ERROR "install test: ${file} refers to ${tree}")
      endif()
    endif()
  endforeach()
endforeach()
# The installed command-line tool runs.
run_step("installed tradestore --version" ${prefix}/bin/tradestore --version)
if(NOT step_output MATCHES "tradestore [0-9]")
  message(FATAL_ERROR "install test: unexpected `tradestore --version` output: ${step_output}")
endif()

set(configure_args -S ${CONSUMER_DIR} -B ${consumer_build}
    -DCMAKE_PREFIX_PATH=${prefix}
    # Only the install prefix: no package registry, no build tree.
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_EXPORT_NO_PACKAGE_REGISTRY=ON)
if(DEFINED GENERATOR AND NOT GENERATOR STREQUAL "")
  list(APPEND configure_args -G ${GENERATOR})
endif()
if(DEFINED CONFIG AND NOT CONFIG STREQUAL "")
  list(APPEND configure_args -DCMAKE_BUILD_TYPE=${CONFIG})
endif()
if(DEFINED CXX_COMPILER AND NOT CXX_COMPILER STREQUAL "")
  list(APPEND configure_args -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
endif()
run_step("configure consumer" ${CMAKE_COMMAND} ${configure_args})
run_step("build consumer" ${CMAKE_COMMAND} --build ${consumer_build} ${config_args})

set(exe ${consumer_build}/consumer)
if(DEFINED CONFIG AND NOT CONFIG STREQUAL "" AND EXISTS ${consumer_build}/${CONFIG}/consumer)
  set(exe ${consumer_build}/${CONFIG}/consumer)
endif()
run_step("run consumer" ${exe})
set(expected "tradestore consumer ok: instrument 1 BTCUSDC on kraken (BTC/USDC), 0.1+0.2=0.3")
string(FIND "${step_output}" "${expected}" at)
if(at EQUAL -1 OR NOT step_output MATCHES "report ok")
  message(FATAL_ERROR "install test: unexpected consumer output:\n${step_output}")
endif()
message(STATUS "install test passed: ${step_output}")
