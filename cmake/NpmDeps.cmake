# Fetch the pinned third-party C sources (tree-sitter core and grammars)
# from the npm registry with the ordinary npm client.
#
# deps/package.json + deps/package-lock.json pin exact versions and their
# sha512 integrity hashes; `npm ci` refuses any tarball whose hash differs.
# Nothing is executed from the packages (--ignore-scripts). The install is
# redone only when the lock file changes (a stamp holds its hash), and npm's
# own cache (~/.npm) lets a fresh build directory configure offline.

# asl_npm_ci(SRC DEST): installs the packages pinned by SRC/package-lock.json
# into DEST/node_modules, once per lock file.
function(asl_npm_ci src dest)
  file(SHA256 "${src}/package-lock.json" _lock_hash)
  set(_stamp "${dest}/.asl-stamp")
  set(_have "")
  if(EXISTS "${_stamp}")
    file(READ "${_stamp}" _have)
  endif()
  if(_have STREQUAL _lock_hash)
    return()
  endif()
  find_program(ASL_NPM npm REQUIRED)
  file(MAKE_DIRECTORY "${dest}")
  foreach(f package.json package-lock.json .npmrc)
    if(EXISTS "${src}/${f}")
      configure_file("${src}/${f}" "${dest}/${f}" COPYONLY)
    endif()
  endforeach()
  message(STATUS "asynclint: fetching pinned packages of ${src} with npm ci")
  # First from npm's local cache alone (a second configure, or a new build
  # directory, needs no network); then from the registry.
  execute_process(
    COMMAND "${ASL_NPM}" ci --ignore-scripts --no-audit --no-fund --offline
            --loglevel=silent
    WORKING_DIRECTORY "${dest}"
    RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT _rc EQUAL 0)
    execute_process(
      COMMAND "${ASL_NPM}" ci --ignore-scripts --no-audit --no-fund
              --prefer-offline --loglevel=error
      WORKING_DIRECTORY "${dest}"
      RESULT_VARIABLE _rc)
  endif()
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "asynclint: `npm ci` in ${dest} failed (${_rc}); "
      "see its output above. The registry or its cache must be reachable.")
  endif()
  file(WRITE "${_stamp}" "${_lock_hash}")
endfunction()

set(ASL_DEPS_DIR "${CMAKE_BINARY_DIR}/_deps/npm")
asl_npm_ci("${PROJECT_SOURCE_DIR}/deps" "${ASL_DEPS_DIR}")

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
