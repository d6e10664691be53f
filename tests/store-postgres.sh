#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The store's tests once more with every database on PostgreSQL
# (DMARCPILOT_TEST_DB=postgres: each test program starts one server on
# 127.0.0.1 and gives each case a database of its own), so that both
# backends run the same cases in every make check. Without PostgreSQL
# installed this fails: the programs refuse to pass having tested
# nothing. The list holds the tests whose repositories all run on both.
bin=${top_builddir:?top_builddir is not set}/tests
failed=0
for t in test_state test_transact test_store_repos test_dkim test_settings \
    test_report_import test_report_view test_report_analysis \
    test_report_days \
    test_report_fetch test_monitor test_rollout test_rollout_walk \
    test_rollout_spf test_rollout_dkim test_app_step test_dkim_rotate \
    test_export test_app_publish; do
  echo "== $t on PostgreSQL"
  if ! DMARCPILOT_TEST_DB=postgres "$bin/$t"; then
    echo "FAIL: $t on PostgreSQL"
    failed=1
  fi
done
exit $failed
