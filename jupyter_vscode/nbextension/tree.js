// nbclassic tree page: add "VS Code" to the "New" dropdown.
// Loaded through jupyter-config/nbconfig/tree.d/jupyter_vscode.json.
define(['jquery', 'base/js/namespace', 'base/js/utils'], function (
  $,
  Jupyter,
  utils
) {
  'use strict';

  var ITEM_ID = 'new-vscode';

  function addMenuItem(info, baseUrl) {
    var $menu = $('#new-menu');
    if (!$menu.length) {
      $menu = $('.tree-buttons .dropdown-menu').first();
    }
    if (!$menu.length || $menu.find('#' + ITEM_ID).length) {
      return;
    }
    var $link = $('<a>')
      .attr({
        role: 'menuitem',
        tabindex: '-1',
        href: utils.url_path_join(baseUrl, info.url || 'vscode/'),
        target: '_blank',
        rel: 'noopener'
      })
      .text(info.title || 'VS Code');
    if (!$menu.children().last().hasClass('divider')) {
      $menu.append($('<li>').attr('role', 'presentation').addClass('divider'));
    }
    $menu.append($('<li>').attr({ role: 'none', id: ITEM_ID }).append($link));
  }

  function load_ipython_extension() {
    if (!Jupyter.notebook_list) {
      return; // not the tree page
    }
    var baseUrl = utils.get_body_data('baseUrl');
    $.ajax({
      url: utils.url_path_join(baseUrl, 'api/vscode/launcher'),
      dataType: 'json',
      cache: false
    })
      .done(function (info) {
        if (info && info.enabled) {
          addMenuItem(info, baseUrl);
        }
      })
      .fail(function (xhr) {
        console.warn(
          'jupyter_vscode: VS Code launcher unavailable (HTTP ' +
            xhr.status +
            '); is the jupyter_vscode server extension enabled?'
        );
      });
  }

  return { load_ipython_extension: load_ipython_extension };
});
