# Runs the consumer tests (cmake -P): installs the build tree into a prefix,
# builds the examples against it with find_package and with pkg-config,
# then with find_package against the build tree itself, and through
# add_subdirectory. Any failure is fatal.
foreach(var SOURCE_DIR BUILD_DIR WORK_DIR GENERATOR C_COMPILER CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_consumer_tests.cmake needs -D${var}=")
  endif()
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    string(REPLACE ";" " " line "${ARGN}")
    message(FATAL_ERROR "failed (${result}): ${line}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
set(compilers -DCMAKE_C_COMPILER=${C_COMPILER}
              -DCMAKE_CXX_COMPILER=${CXX_COMPILER})

# Builds the examples/ project in WORK_DIR/<dir> with the extra configure
# arguments ARGN (how it finds jetsession), and runs both programs.
function(build_and_run_examples dir)
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples -B ${WORK_DIR}/${dir}
      -G ${GENERATOR} ${ARGN} ${compilers})
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/${dir} --parallel 2)
  run(${WORK_DIR}/${dir}/hello_c)
  run(${WORK_DIR}/${dir}/hello_cpp)
  message(STATUS "${dir} consumer: ok")
endfunction()

# 1. cmake --install, then find_package(jetsession CONFIG).
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
build_and_run_examples(find_package -DCMAKE_PREFIX_PATH=${prefix})

# 1b. find_package against the build tree (its export()), not installed.
build_and_run_examples(build_tree -Djetsession_DIR=${BUILD_DIR})

# 2. pkg-config against the same prefix, the C example with the C compiler.
find_program(PKG_CONFIG pkg-config REQUIRED)
file(GLOB_RECURSE pc_files ${prefix}/*/jetsession.pc)
list(GET pc_files 0 pc_file)
get_filename_component(pc_dir ${pc_file} DIRECTORY)
set(ENV{PKG_CONFIG_PATH} ${pc_dir})
execute_process(COMMAND ${PKG_CONFIG} --cflags --libs jetsession
  OUTPUT_VARIABLE pc_flags OUTPUT_STRIP_TRAILING_WHITESPACE
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "pkg-config --cflags --libs jetsession failed")
endif()
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
run(${C_COMPILER} -std=c99 -pedantic-errors -Wall -Werror
    ${SOURCE_DIR}/examples/hello_c.c -o ${WORK_DIR}/hello_c_pkgconfig
    ${pc_flags})
run(${WORK_DIR}/hello_c_pkgconfig)
message(STATUS "pkg-config consumer: ok")

# 3. add_subdirectory, by a project that has no Abseil (the library needs
# none: its thread-safety annotations then expand to nothing).
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer/add_subdirectory
    -B ${WORK_DIR}/add_subdirectory -G ${GENERATOR}
    -DJETSESSION_SOURCE_DIR=${SOURCE_DIR} -DCMAKE_DISABLE_FIND_PACKAGE_absl=ON
    ${compilers})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/add_subdirectory --parallel 2)
run(${WORK_DIR}/add_subdirectory/examples/hello_c)
run(${WORK_DIR}/add_subdirectory/examples/hello_cpp)
message(STATUS "add_subdirectory consumer: ok")
