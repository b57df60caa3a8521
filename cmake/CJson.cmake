# cmake/CJson.cmake - finds cJSON (Debian: libcjson-dev) for the language
# server, through pkg-config when there is one, else by name.
#
# Sets ASL_HAVE_CJSON and an imported target asl_cjson. The binary is
# static by default (ASL_STATIC); Debian ships cJSON as a shared library
# only, and a static binary cannot load one: then asynclint links
# dynamically (ASL_CJSON_STATIC_OK is OFF) and says so. -DASL_SERVER=OFF
# (no server) keeps the binary static.
option(ASL_SERVER "Build the language server (asynclint server; needs cJSON)"
       ON)
set(ASL_HAVE_CJSON OFF)
set(ASL_CJSON_STATIC_OK ON)
if(NOT ASL_SERVER)
  return()
endif()

find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(ASL_PC_CJSON QUIET libcjson)
endif()
find_path(ASL_CJSON_INCLUDE_DIR cjson/cJSON.h
          HINTS ${ASL_PC_CJSON_INCLUDEDIR} ${ASL_PC_CJSON_INCLUDE_DIRS})
find_library(ASL_CJSON_STATIC_LIBRARY NAMES libcjson.a
             HINTS ${ASL_PC_CJSON_LIBDIR} ${ASL_PC_CJSON_LIBRARY_DIRS})
find_library(ASL_CJSON_LIBRARY NAMES cjson
             HINTS ${ASL_PC_CJSON_LIBDIR} ${ASL_PC_CJSON_LIBRARY_DIRS})

if(NOT ASL_CJSON_INCLUDE_DIR OR NOT (ASL_CJSON_LIBRARY OR
                                     ASL_CJSON_STATIC_LIBRARY))
  message(STATUS "cJSON not found: building without the language server "
                 "(apt-get install libcjson-dev to build it)")
  return()
endif()

set(ASL_HAVE_CJSON ON)
set(_lib "${ASL_CJSON_LIBRARY}")
if(ASL_STATIC AND NOT ASL_SANITIZE)
  if(ASL_CJSON_STATIC_LIBRARY)
    set(_lib "${ASL_CJSON_STATIC_LIBRARY}")
  else()
    set(ASL_CJSON_STATIC_OK OFF)
    message(STATUS "cJSON: only a shared library (${ASL_CJSON_LIBRARY}): "
                   "asynclint links dynamically; -DASL_SERVER=OFF keeps it "
                   "static, without the language server")
  endif()
endif()
add_library(asl_cjson INTERFACE IMPORTED)
set_target_properties(asl_cjson PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${ASL_CJSON_INCLUDE_DIR}"
  INTERFACE_LINK_LIBRARIES "${_lib}")
message(STATUS "cJSON: ${_lib} (the language server is built)")
