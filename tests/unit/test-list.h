/*
 * test-list.h - every unit test, one line each (libuv's test-list.h).
 * TEST_ENTRY(name) needs `TEST_IMPL(name)` in some tests/unit/test_*.c.
 */
#define ASL_TEST_LIST(TEST_ENTRY)                                            \
  TEST_ENTRY(arena_reset_reuses)                                             \
  TEST_ENTRY(glob_star_and_question)                                         \
  TEST_ENTRY(glob_double_star)                                               \
  TEST_ENTRY(glob_classes)                                                   \
  TEST_ENTRY(glob_escapes)                                                   \
  TEST_ENTRY(glob_pathological_patterns_are_fast)                            \
  TEST_ENTRY(display_path_cleanup)                                           \
  TEST_ENTRY(display_path_absolute_under_cwd)                                \
  TEST_ENTRY(discover_walk_finds_python_files)                               \
  TEST_ENTRY(discover_exclude_semantics)                                     \
  TEST_ENTRY(discover_explicit_paths_always_checked)                         \
  TEST_ENTRY(discover_gitignore_syntax)                                      \
  TEST_ENTRY(discover_gitignore_negation_and_depth)                          \
  TEST_ENTRY(discover_gitignore_repo_root_and_ancestors)                     \
  TEST_ENTRY(discover_symlinks_fifos_and_odd_names)                          \
  TEST_ENTRY(discover_unreadable_directory_is_an_error)                      \
  TEST_ENTRY(discover_large_tree)                                            \
  TEST_ENTRY(source_columns_count_characters)                                \
  TEST_ENTRY(flatten_matches_cursor_walk)                                    \
  TEST_ENTRY(json_string_escapes_invalid_utf8)                               \
  TEST_ENTRY(index_relative_imports)                                         \
  TEST_ENTRY(index_module_names_and_projects)                                \
  TEST_ENTRY(index_reexport_chain)                                           \
  TEST_ENTRY(index_cycles_terminate)                                         \
  TEST_ENTRY(index_star_imports_and_ambiguity)                               \
  TEST_ENTRY(index_methods_through_bases)                                    \
  TEST_ENTRY(index_duplicate_modules)                                        \
  TEST_ENTRY(runtime_timer_order_fifo_ties)                                  \
  TEST_ENTRY(runtime_timer_order_by_deadline)                                \
  TEST_ENTRY(runtime_ready_queue_snapshot)                                   \
  TEST_ENTRY(runtime_clock_jumps_and_due_timers_follow_ready)                \
  TEST_ENTRY(runtime_timer_cancel)                                           \
  TEST_ENTRY(runtime_gather_is_max_sequential_is_sum)                        \
  TEST_ENTRY(runtime_limits_are_errors_not_hangs)                            \
  TEST_ENTRY(runtime_handles_are_recycled)                                   \
  TEST_ENTRY(runtime_set_keeps_task_until_done)                             \
  TEST_ENTRY(runtime_to_thread_waits_alone)                                  \
  TEST_ENTRY(runtime_unordered_thread_effects_are_unsupported)               \
  TEST_ENTRY(runtime_gather_over_generator_and_comprehension)                \
  TEST_ENTRY(runtime_comprehension_scope_and_lazy_generators)                \
  TEST_ENTRY(runtime_comprehension_counts_as_a_frame)                        \
  TEST_ENTRY(cond_bind_positional_keyword_default)                           \
  TEST_ENTRY(cond_value_tests)                                               \
  TEST_ENTRY(cond_algebra_and_substitution)
