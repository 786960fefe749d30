import pytest

from shequn.apps.tenancy.models import Role

from .factories import make_user, make_workspace


@pytest.fixture
def workspace(db):
    return make_workspace("读书会运营团队")


@pytest.fixture
def other_workspace(db):
    return make_workspace("别人的工作区")


@pytest.fixture
def operator(workspace):
    return make_user(workspace, Role.OPERATOR)


@pytest.fixture
def viewer(workspace):
    return make_user(workspace, Role.VIEWER)


@pytest.fixture
def outsider(other_workspace):
    return make_user(other_workspace, Role.OWNER)
