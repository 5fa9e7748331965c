/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The domain types of docs/domain.md and their JSON codec. */

#include "bc-error.h"
#include "bc-time.h"
#include "bc-enums.h"
#include "bc-json.h"
#include "bc-incident.h"
#include "bc-unit.h"
#include "bc-camera.h"
#include "bc-order.h"
#include "bc-note.h"
#include "bc-event.h"
#include "bc-user.h"
