/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "bs-options.h"

int
main (int    argc,
      char **argv)
{
  return bs_main (argc, argv);
}
