"""A row's sex agrees with its person's given name, in every locale and in tables that mix countries;
an enum renames the two values and adds others (other, unknown) at their weights."""

from __future__ import annotations

import polars as pl
import pytest
from faker import Faker
from tests.engine.conftest import table

from sdga.engine import plan_generation
from sdga.models import GenerateDataRequest
from sdga.models.generation import SUPPORTED_LOCALES


def _names(locale: str) -> tuple[set[str], set[str]]:
    """Faker's own women's and men's given names of the locale (read here, not through the engine)."""
    person = Faker(locale).provider("faker.providers.person")
    assert person is not None
    women, men = set(person.first_names_female), set(person.first_names_male)
    return women, men - women


def _frame(fields: list[dict[str, object]], **request: object) -> pl.DataFrame:
    body = {"schema": {"fields": fields}, "volume": 20_000, "seed": 8, **request}
    df = pl.from_arrow(table(plan_generation(GenerateDataRequest.model_validate(body))))
    assert isinstance(df, pl.DataFrame)
    return df


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_sex_follows_the_given_name(locale: str) -> None:
    women, men = _names(locale)
    df = _frame([{"name": "first_name", "type": "first_name"}, {"name": "sex", "type": "sex"}], locale=locale)
    expected = pl.when(pl.col("first_name").is_in(list(women))).then(pl.lit("female"))
    expected = expected.when(pl.col("first_name").is_in(list(men))).then(pl.lit("male"))
    df = df.with_columns(expected=expected)
    assert df["expected"].null_count() == 0, "a given name that is neither a woman's nor a man's"
    assert (df["sex"] == df["expected"]).all()
    assert 0.47 < (df["sex"] == "female").mean() < 0.53  # type: ignore[operator]


def test_rows_in_several_countries_keep_name_and_sex_together() -> None:
    women = set().union(*(_names(loc)[0] for loc in ("de_DE", "fr_FR", "es_ES")))
    fields = [
        {"name": "country", "type": "country_code", "constraints": {"enum": ["DE", "FR", "ES"]}},
        {"name": "full_name", "type": "full_name"},
        {"name": "sex", "type": "sex"},
    ]
    df = _frame(fields).with_columns(first=pl.col("full_name").str.split(" ").list.first())
    woman = pl.col("first").is_in(list(women))
    assert df.filter((pl.col("sex") == "female") != woman).height < 0.01 * df.height  # names in both lists aside


def test_an_enum_renames_the_values_and_adds_others_at_their_weights() -> None:
    women, _ = _names("en_US")
    fields = [
        {"name": "first_name", "type": "first_name"},
        {"name": "sex", "type": "sex", "constraints": {"enum": ["F", "M", "X", "U"], "weights": [49, 48, 2, 1]}},
    ]
    df = _frame(fields)
    shares = df["sex"].value_counts(normalize=True)
    share = dict(zip(shares["sex"].to_list(), shares["proportion"].to_list(), strict=True))
    assert abs(share["X"] - 0.02) < 0.005 and abs(share["U"] - 0.01) < 0.004
    binary = df.filter(pl.col("sex").is_in(["F", "M"]))
    assert ((binary["sex"] == "F") == binary["first_name"].is_in(list(women))).all()
