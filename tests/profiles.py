"""Hypothesis strategies for valid enterprise profiles (the public input document)."""

from hypothesis import strategies as st

from safetykg.reasoner.codes import credit_code_check_char

DUST = [
    "aluminium",
    "magnesium",
    "other_metal",
    "wood",
    "grain_food",
    "coal",
    "plastic_rubber",
    "textile_fibre",
    "paper",
    "other",
]
REGIONS = ["330106", "330108", "440306", "140105", "320506", "110101", "441900"]
INDUSTRIES = [
    "3252",
    "3110",
    "2021",
    "1361",
    "1711",
    "3011",
    "3311",
    "5251",
    "31",
    "325",
    "1610",
    "2614",
]

maybe_bool = st.one_of(st.none(), st.booleans())
maybe_count = st.one_of(st.none(), st.integers(0, 30))
day = st.dates(
    min_value=__import__("datetime").date(2020, 1, 1),
    max_value=__import__("datetime").date(2026, 11, 1),
).map(str)


def _drop_nones(d: dict) -> dict:
    """Absent keys and nulls both occur in real submissions; keep a mix."""
    return d


credit_codes = (
    st.integers(0, 9_999_999)
    .map(lambda n: f"91330106MA{n:07d}")
    .map(lambda b: b + credit_code_check_char(b))
)

collectors = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text("ABC-123", min_size=1, max_size=5),
        "type": st.sampled_from(["dry", "wet", "gravity_settling", "dry_tunnel_duct"]),
        "dust_types": st.lists(st.sampled_from(DUST), max_size=3, unique=True),
        "handles_flammable_gas": maybe_bool,
        "spans_buildings_or_fire_compartments": maybe_bool,
        "pressure": st.sampled_from(["negative", "positive"]),
        "explosion_protection": st.lists(
            st.sampled_from(["venting", "inerting", "suppression", "isolation"]),
            max_size=2,
            unique=True,
        ),
        "spark_detection_extinguishing": maybe_bool,
        "airlock_discharge": maybe_bool,
    },
)

dust = st.fixed_dictionaries(
    {},
    optional={
        "dust_types": st.lists(st.sampled_from(DUST), max_size=3, unique=True),
        "in_multistorey_non_frame_building": maybe_bool,
        "occupied_rooms_in_dust_area": maybe_bool,
        "zone20_non_explosion_proof_equipment": maybe_bool,
        "tramp_material_removal_before_grinding": maybe_bool,
        "sander_duct_spark_detection": maybe_bool,
        "water_reactive_dust_storage_ventilated": maybe_bool,
        "water_reactive_dust_storage_moisture_protected": maybe_bool,
        "cleaning_procedure": maybe_bool,
        "accumulated_dust_found": maybe_bool,
        "collectors": st.lists(collectors, max_size=3),
    },
)

management = st.fixed_dictionaries(
    {},
    optional={
        "full_time_safety_officers": maybe_count,
        "principal_assessed": maybe_bool,
        "safety_managers_assessed": maybe_bool,
        "special_operation_workers": maybe_count,
        "special_operation_workers_uncertified": maybe_count,
        "contractors_on_site": maybe_bool,
        "contractor_unified_management": maybe_bool,
        "contractor_periodic_inspection": maybe_bool,
    },
)

chemicals = st.lists(
    st.fixed_dictionaries(
        {"unit": st.sampled_from(["储罐区", "车间", "仓库"])},
        optional={
            "unit_kind": st.sampled_from(["production", "storage"]),
            "substance": st.sampled_from(["氨", "氯", "甲醇", "液化石油气", "氧", "未列名物质"]),
            "max_quantity_t": st.one_of(
                st.none(), st.integers(0, 500), st.floats(0, 500, allow_nan=False)
            ),
            "hazard_categories": st.lists(
                st.sampled_from(["J1", "W2", "W5.1", "W5.3", "W11"]), max_size=2, unique=True
            ),
        },
    ),
    max_size=4,
)

ammonia = st.fixed_dictionaries(
    {},
    optional={
        "charge_t": st.one_of(st.none(), st.integers(0, 100)),
        "direct_evaporation_in_processing_rooms": maybe_bool,
        "quick_freezers": st.lists(
            st.fixed_dictionaries(
                {}, optional={"in_separate_room": maybe_bool, "room_workers": maybe_count}
            ),
            max_size=2,
        ),
    },
)

confined = st.fixed_dictionaries(
    {},
    optional={
        "count": maybe_count,
        **{
            k: maybe_bool
            for k in [
                "identified_and_registered",
                "warning_signs",
                "entry_permit_system",
                "ventilate_test_then_enter",
                "attendant_assigned",
            ]
        },
    },
)

accidents = st.lists(
    st.fixed_dictionaries(
        {"date": day},
        optional={
            "deaths": maybe_count,
            "serious_injuries": st.one_of(st.none(), st.integers(0, 120)),
            "direct_loss_10k_cny": st.one_of(st.none(), st.integers(0, 20000)),
            "concealed": maybe_bool,
        },
    ),
    max_size=3,
)

hidden = st.lists(
    st.fixed_dictionaries(
        {"level": st.sampled_from(["general", "major"]), "found_on": st.just("2020-01-01")},
        optional={
            "deadline": day,
            "rectified_on": st.one_of(st.none(), day),
            "criterion": st.sampled_from(["MEM10-11-3", "MEM10-3-1"]),
        },
    ),
    max_size=2,
)

profiles = st.fixed_dictionaries(
    {
        "credit_code": credit_codes,
        "region": st.sampled_from(REGIONS),
        "industry": st.sampled_from(INDUSTRIES),
        "as_of": st.just("2026-11-01"),
    },
    optional={
        "name": st.text(min_size=1, max_size=10),
        "employees": maybe_count,
        "metal_smelting": maybe_bool,
        "standardization": st.fixed_dictionaries(
            {}, optional={"grade": st.sampled_from([1, 2, 3, None]), "valid_until": day}
        ),
        "management": management,
        "hazardous_chemicals": chemicals,
        "population_within_500m": st.one_of(st.none(), st.integers(0, 500)),
        "dust": dust,
        "ammonia_refrigeration": ammonia,
        "confined_spaces": confined,
        "hidden_hazards": hidden,
        "accidents": accidents,
        "credit_listing": st.fixed_dictionaries(
            {}, optional={"listed_on": st.one_of(st.none(), day)}
        ),
    },
)
