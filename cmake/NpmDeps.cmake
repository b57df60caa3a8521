# Fetch the pinned third-party C sources (tree-sitter core and grammars)
# from the npm registry with the ordinary npm client.
#
# deps/package.json + deps/package-lock.json pin exact versions and their
# sha512 integrity hashes; `npm ci` refuses any tarball whose hash differs.
# Nothing is executed from the packages (--ignore-scripts). The install is
# redone only when the lock file changes (a stamp holds its hash), and npm's
# own cache (~/.npm) lets a fresh build directory configure offline.

set(ASL_DEPS_DIR "${CMAKE_BINARY_DIR}/_deps/npm")
file(SHA256 "${PROJECT_SOURCE_DIR}/deps/package-lock.json" _asl_lock_hash)
set(_asl_stamp "${ASL_DEPS_DIR}/.asl-stamp")

set(_asl_have_stamp "")
if(EXISTS "${_asl_stamp}")
  file(READ "${_asl_stamp}" _asl_have_stamp)
endif()

if(NOT _asl_have_stamp STREQUAL _asl_lock_hash)
  find_program(ASL_NPM npm REQUIRED)
  file(MAKE_DIRECTORY "${ASL_DEPS_DIR}")
  foreach(f package.json package-lock.json .npmrc)
    configure_file("${PROJECT_SOURCE_DIR}/deps/${f}" "${ASL_DEPS_DIR}/${f}"
                   COPYONLY)
  endforeach()
  message(STATUS "asynclint: fetching pinned sources with npm ci")
  # First from npm's local cache alone (a second configure, or a new build
  # directory, needs no network); then from the registry.
  execute_process(
    COMMAND "${ASL_NPM}" ci --ignore-scripts --no-audit --no-fund --offline
            --loglevel=silent
    WORKING_DIRECTORY "${ASL_DEPS_DIR}"
    RESULT_VARIABLE _asl_npm_rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT _asl_npm_rc EQUAL 0)
    execute_process(
      COMMAND "${ASL_NPM}" ci --ignore-scripts --no-audit --no-fund
              --prefer-offline --loglevel=error
      WORKING_DIRECTORY "${ASL_DEPS_DIR}"
      RESULT_VARIABLE _asl_npm_rc)
  endif()
  if(NOT _asl_npm_rc EQUAL 0)
    message(FATAL_ERROR "asynclint: `npm ci` failed (${_asl_npm_rc}); "
      "see its output above. The registry or its cache must be reachable.")
  endif()
  file(WRITE "${_asl_stamp}" "${_asl_lock_hash}")
endif()

set(ASL_TS_DIR "${ASL_DEPS_DIR}/node_modules/tree-sitter/vendor/tree-sitter/lib")
set(ASL_TSPY_DIR "${ASL_DEPS_DIR}/node_modules/tree-sitter-python/src")
set(ASL_TSTOML_DIR
    "${ASL_DEPS_DIR}/node_modules/@tree-sitter-grammars/tree-sitter-toml/src")
foreach(p "${ASL_TS_DIR}/src/lib.c" "${ASL_TSPY_DIR}/parser.c"
          "${ASL_TSPY_DIR}/scanner.c" "${ASL_TSTOML_DIR}/parser.c")
  if(NOT EXISTS "${p}")
    message(FATAL_ERROR "asynclint: expected ${p} in the npm packages")
  endif()
endforeach()

# Third-party code is built without our warning flags: it is not ours to fix.
add_library(asl_treesitter STATIC
  "${ASL_TS_DIR}/src/lib.c"
  "${ASL_TSPY_DIR}/parser.c" "${ASL_TSPY_DIR}/scanner.c"
  "${ASL_TSTOML_DIR}/parser.c" "${ASL_TSTOML_DIR}/scanner.c")
target_include_directories(asl_treesitter
  PUBLIC "${ASL_TS_DIR}/include"
  PRIVATE "${ASL_TS_DIR}/src" "${ASL_TSPY_DIR}")
target_compile_definitions(asl_treesitter PRIVATE _POSIX_C_SOURCE=200112L
                           _DEFAULT_SOURCE)
set_target_properties(asl_treesitter PROPERTIES C_STANDARD 11
                      POSITION_INDEPENDENT_CODE ON)
target_compile_options(asl_treesitter PRIVATE -w -g0)
